package integration_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// chaosFaults are what AWS does to the chaos suite's calls: a fifth throttled, one in
// twenty failed with a 5xx, and one write in ten run with its answer lost.
var chaosFaults = awssim.Faults{ThrottleRate: 0.2, ErrorRate: 0.05, DropRate: 0.1}

// killAtRandom kills and restarts the environment's manager n times, at random points
// between 0.2s and 1.5s apart.
func killAtRandom(env *testenv.Env, rnd *rand.Rand, n int) {
	GinkgoHelper()
	for range n {
		time.Sleep(200*time.Millisecond + time.Duration(rnd.Int64N(int64(1300*time.Millisecond))))
		Expect(env.RestartManager()).To(Succeed())
	}
}

// CHAOS_OBJECTS, CHAOS_RESTARTS and CHAOS_SEED size the run (make test-chaos runs a larger
// one); the seed picks the calls the faults hit and the moments the manager is killed.
var _ = Describe("Chaos", func() {
	It("converges fixed-image objects through throttling, 5xx, lost answers and manager kills to exactly one of every resource; deletes them to nothing", func() {
		objects, restarts, seed := envInt("CHAOS_OBJECTS", 3), envInt("CHAOS_RESTARTS", 5), uint64(envInt("CHAOS_SEED", 1))
		rnd := rand.New(rand.NewPCG(seed, 0))
		env := startEnv(testenv.Options{Stages: controllers.Stages,
			SimOptions: []awssim.Option{awssim.WithRandSource(rand.NewPCG(seed, 1))}})
		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		env.Sim.SetFaults(chaosFaults)

		objs := make([]*testenv.Object, objects)
		for i := range objs {
			objs[i] = fixedImageObject(env, ns, fmt.Sprintf("app-%d", i))
			objs[i].Create()
		}
		killAtRandom(env, rnd, restarts)
		// Faults go on after Ready (a resync can fail), so each is seen Ready once.
		for _, o := range objs {
			expectReady(o)
		}

		// Settle without faults, so that nothing is mid-flight when the inventory is taken.
		env.Sim.SetFaults(awssim.Faults{})
		Eventually(func(g Gomega) {
			for _, o := range objs {
				c := o.Condition(v1alpha1.ConditionReady)
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s: %s", o.FD.Name, c.Reason, c.Message)
			}
		}).Should(Succeed())
		expectInventory(env.Sim, objs)

		env.Sim.SetFaults(chaosFaults)
		for _, o := range objs {
			Expect(env.Client.Delete(ctx, o.Get())).To(Succeed())
		}
		killAtRandom(env, rnd, max(2, restarts/2))
		for _, o := range objs {
			expectGone(env, o)
		}
		Expect(env.Sim.ListLive()).To(BeEmpty())

		n := env.Sim.Injected()
		report := fmt.Sprintf("chaos (seed %d): %d objects, %d manager kills; %d faults injected and survived: %d throttled, %d 5xx, %d answers dropped",
			seed, objects, restarts+max(2, restarts/2), n.Total(), n.Throttled, n.Errors, n.Dropped)
		AddReportEntry("chaos", report, ReportEntryVisibilityAlways)
		GinkgoWriter.Println(report)
	})
})
