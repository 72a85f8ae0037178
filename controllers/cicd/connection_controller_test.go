package cicd_test

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

var _ = Describe("A pipeline source connection of another namespace, through the reconciler", func() {
	It("is Stalled ConnectionNotAllowed with nothing of the pipeline made, until an administrator tags it for the object's namespace", func() {
		theirs, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		conn := newConnection("theirs", theirs)
		DeferCleanup(deleteConnection, conn)
		Expect(env.Sim.ApproveConnection(conn)).To(Succeed())
		o := newPipelineObject("borrowed", func(_ string, s *v1alpha1.GitHubSource) { s.ConnectionARN = conn })
		o.Create()
		DeferCleanup(cleanUp, o)
		ns := o.FD.Namespace

		Eventually(func(g Gomega) {
			st := o.Condition(v1alpha1.ConditionStalled)
			g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(st.Reason).To(Equal(v1alpha1.ReasonConnectionNotAllowed))
			g.Expect(st.Message).To(And(ContainSubstring(conn), ContainSubstring(cloud.TagNamespace+"="+ns)))
			g.Expect(st.Message).NotTo(ContainSubstring(theirs), "the message names no other tenant")
			sc := o.Condition(v1alpha1.ConditionSourceConnectionReady)
			g.Expect(sc.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(sc.Reason).To(Equal(v1alpha1.ReasonConnectionNotAllowed))
		}).Should(Succeed())
		Consistently(func() map[string]int { return cicdInventory(o.Get()) }, "3s").Should(BeEmpty(),
			"nothing of the pipeline is made, across resyncs")

		By("an administrator tagging the connection for the object's namespace")
		Expect(env.AllowConnection(ctx, conn, ns)).To(Succeed())
		Eventually(func(g Gomega) {
			pr := o.Condition(v1alpha1.ConditionPipelineReady)
			g.Expect(pr.Status).To(Equal(metav1.ConditionTrue), "%s: %s", pr.Reason, pr.Message)
			g.Expect(o.Condition(v1alpha1.ConditionSourceConnectionReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(o.Condition(v1alpha1.ConditionStalled).Status).NotTo(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})
})
