package integration_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// nowhere is a region of the form AWS uses, which admission accepts, but that AWS does
// not have: no endpoint of it resolves.
const nowhere = "xx-nowhere-1"

// endpointResync stands for the production resync period.
const endpointResync = 500 * time.Millisecond

var _ = Describe("A region whose endpoints do not resolve", func() {
	It("is Stalled with the resolver's word, tried once a resync, and its deletion waits for deletionPolicy Retain", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: endpointResync, UnresolvableRegions: []string{nowhere}})
		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		o := fixedImageObject(env, ns, "app")
		o.FD.Spec.Region = nowhere
		o.Create()

		Eventually(func(g Gomega) {
			fd := o.Get()
			st := metaCondition(fd, v1alpha1.ConditionStalled)
			g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(st.Reason).To(Equal(v1alpha1.ReasonUnresolvableEndpoint))
			g.Expect(st.Message).To(ContainSubstring("." + nowhere + ".amazonaws.com: no such host"))
			g.Expect(metaCondition(fd, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(fd.Status.ObservedGeneration).To(Equal(fd.Generation))
		}).Should(Succeed())

		// A pass makes each stage's first call once (the SDK does not retry a host that does
		// not exist), and passes come at resyncs, not in a backoff loop: the network
		// stage's first call counts the passes.
		const resyncs = 6
		time.Sleep(endpointResync)
		before := env.UnresolvableAttempts()
		time.Sleep(resyncs * endpointResync)
		window := callsDelta(before, env.UnresolvableAttempts())
		GinkgoWriter.Printf("attempts in %d resyncs: %s\n", resyncs, describeCalls(window))
		Expect(window["ec2"]).To(BeNumerically(">=", resyncs/2), "a stalled object is looked at again at each resync")
		for service, n := range window {
			Expect(n).To(BeNumerically("<=", resyncs+1), "%s: one attempt a resync, never retried in between", service)
		}
		Expect(env.Sim.ListLive()).To(BeEmpty())

		By("deleting it: the finalizer holds, Stalled on the same error, while deletionPolicy is Delete")
		Expect(env.Client.Delete(ctx, o.Get())).To(Succeed())
		Eventually(func(g Gomega) {
			fd := o.Get()
			g.Expect(fd.DeletionTimestamp).NotTo(BeNil())
			st := metaCondition(fd, v1alpha1.ConditionStalled)
			g.Expect(st.Reason).To(Equal(v1alpha1.ReasonUnresolvableEndpoint))
		}).Should(Succeed())
		deleting := env.UnresolvableAttempts()
		Consistently(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(o.FD), &v1alpha1.FlaskDeployment{})
		}, 4*endpointResync).Should(Succeed(), "the object stays until its resources are gone or retained")
		Expect(total(callsDelta(deleting, env.UnresolvableAttempts()))).To(BeNumerically(">", 0), "the deletion is tried again at resyncs")

		By("setting deletionPolicy Retain: the object goes, its AWS resources (none) left alone")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain })
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(o.FD), &v1alpha1.FlaskDeployment{}))
		}).Should(BeTrue())
		Expect(env.Sim.ListLive()).To(BeEmpty())
	})
})
