package integration_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// liveOf lists the simulator's live resources carrying cluster's tag, by ID.
func liveOf(sim *awssim.Sim, cluster string) map[string]awssim.Resource {
	out := map[string]awssim.Resource{}
	for _, r := range sim.ListLive() {
		if r.Tags[cloud.TagCluster] == cluster {
			out[r.ID] = r
		}
	}
	return out
}

func expectReady(o *testenv.Object) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := o.Condition(v1alpha1.ConditionReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).Should(Succeed())
}

var _ = Describe("Two clusters sharing one AWS account", func() {
	It("each converge their own default/app to disjoint resources; deleting one leaves the other's untouched", func() {
		alpha := startEnv(testenv.Options{Stages: controllers.Stages, ClusterName: "alpha"})
		beta := startEnv(testenv.Options{Stages: controllers.Stages, ClusterName: "beta", SharedAWS: alpha})
		app := func(env *testenv.Env) *testenv.Object {
			fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"}}
			fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
			return env.Object(ctx, fd)
		}
		a, b := app(alpha), app(beta)
		a.Create()
		b.Create()
		expectReady(a)
		expectReady(b)

		sim := alpha.Sim
		ofA, ofB := liveOf(sim, "alpha"), liveOf(sim, "beta")
		Expect(ofA).NotTo(BeEmpty())
		Expect(ofB).To(HaveLen(len(ofA)), "both clusters built the same stack")
		for _, r := range sim.ListLive() {
			if _, tagged := r.Tags[cloud.TagOwner]; tagged {
				Expect(r.Tags[cloud.TagCluster]).To(BeElementOf("alpha", "beta"), "%s %s carries a cluster tag", r.Type, r.ID)
			}
		}
		for id := range ofA {
			Expect(ofB).NotTo(HaveKey(id))
		}
		Expect(a.Get().Status.Network.VPCID).NotTo(Equal(b.Get().Status.Network.VPCID))
		Expect(a.Get().Status.URL).NotTo(Equal(b.Get().Status.URL))

		a.DeleteAndWait()
		Expect(liveOf(sim, "alpha")).To(BeEmpty())
		Expect(liveOf(sim, "beta")).To(Equal(ofB), "the other cluster's resources are untouched")
		b.Nudge()
		expectReady(b)

		b.DeleteAndWait()
		Eventually(sim.ListLive).Should(BeEmpty())
	})
})
