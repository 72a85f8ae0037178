package integration_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var _ = Describe("Leader failover", func() {
	It("a standby takes over from a leader killed mid-convergence within the lease, finishes, and creates nothing twice", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, LeaderElection: true})
		leader := env.Manager()
		Eventually(leader.Elected()).Should(BeClosed())
		standby, err := env.StartManager()
		Expect(err).NotTo(HaveOccurred())
		Consistently(standby.Elected(), 2*testenv.LeaseDuration).ShouldNot(BeClosed(), "the standby waits while the leader renews its lease")

		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		o := fixedImageObject(env, ns, "app")
		o.Create()
		Eventually(func() string { return o.Get().Status.Network.VPCID }).ShouldNot(BeEmpty())
		Expect(o.Condition(v1alpha1.ConditionReady).Status).NotTo(Equal(metav1.ConditionTrue), "the leader is killed mid-convergence")
		Expect(leader.Stop()).To(Succeed())
		killed := time.Now()

		// The lease runs out LeaseDuration after the standby last saw it renewed, and the
		// standby looks every RetryPeriod (client-go jitters it up to 2.2 times); the rest
		// is room for the API server's answers on a busy machine.
		within := testenv.LeaseDuration + 5*testenv.RetryPeriod
		Eventually(standby.Elected(), 2*within, 10*time.Millisecond).Should(BeClosed())
		took := time.Since(killed)
		GinkgoWriter.Printf("the standby led %s after the leader was killed (lease %s)\n", took.Round(time.Millisecond), testenv.LeaseDuration)
		Expect(took).To(BeNumerically("<=", within), "the standby took over within the lease")

		expectReady(o)
		expectInventory(env.Sim, []*testenv.Object{o})
		o.DeleteAndWait()
		Expect(env.Sim.ListLive()).To(BeEmpty())
	})
})
