package cicd_test

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var _ = Describe("CI/CD stage through the reconciler", func() {
	It("builds the first image, deploys each pushed commit, and deletes to nothing", func() {
		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		arn := newConnection("github", ns)
		fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
		fd.Spec.Pipeline = &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: ghOwner, Repo: ghRepo, ConnectionARN: arn}}
		o := env.Object(ctx, fd)
		o.Create()

		By("the pipeline is ready while its connection awaits the handshake, and the orchestrator keeps saying so")
		Eventually(func(g Gomega) {
			g.Expect(o.Condition(v1alpha1.ConditionPipelineReady).Status).To(Equal(metav1.ConditionTrue), o.Condition(v1alpha1.ConditionPipelineReady).Message)
			g.Expect(o.Condition(v1alpha1.ConditionSourceConnectionReady).Reason).To(Equal(v1alpha1.ReasonPendingHandshake))
		}).Should(Succeed())
		Eventually(func() string { return o.Condition(v1alpha1.ConditionServiceReady).Reason }).Should(Equal(v1alpha1.ReasonWaitingForImage),
			"the service waits for the image the pipeline builds")
		Consistently(func() string { return o.Condition(v1alpha1.ConditionSourceConnectionReady).Reason }, "1s").Should(Equal(v1alpha1.ReasonPendingHandshake))
		handshake := 0
		for _, e := range o.Events() {
			if e.Reason == v1alpha1.ReasonPendingHandshake && e.Type == corev1.EventTypeWarning {
				handshake++
			}
		}
		Expect(handshake).To(Equal(1), "one event about the handshake, not one per pass")

		By("approving the connection and pushing: the first build gives the service its image")
		Expect(env.Sim.ApproveConnection(arn)).To(Succeed())
		_, err = env.Sim.PushGitHub(ghOwner, ghRepo, "main", commit(1), false)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			c := o.Condition(v1alpha1.ConditionReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
		}).Should(Succeed())
		Expect(o.Condition(v1alpha1.ConditionSourceConnectionReady).Status).To(Equal(metav1.ConditionTrue))
		Expect(o.Get().Status.DeployedRevision.Image).To(HaveSuffix(":" + commit(1)[:7]))

		By("the next push is deployed by the pipeline and status names its commit")
		_, err = env.Sim.PushGitHub(ghOwner, ghRepo, "main", commit(2), false)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			dr := o.Get().Status.DeployedRevision
			g.Expect(dr).NotTo(BeNil())
			g.Expect(dr.Commit).To(Equal(commit(2)))
			g.Expect(dr.Image).To(HaveSuffix(":" + commit(2)[:7]))
		}).Should(Succeed())
		cur := o.Get()
		Expect(cur.Status.DeployedRevision.PipelineExecutionID).To(Equal(cur.Status.Pipeline.LatestExecution.ID))
		owned := map[string]int{}
		for _, r := range env.Sim.ListLive() {
			if cloud.NewOwner(testenv.ClusterName, cur).Owns(r.Tags) && r.Tags[cloud.TagStage] == "cicd" {
				owned[r.Service+"/"+r.Type]++
			}
		}
		Expect(owned).To(Equal(map[string]int{"s3/bucket": 1, "logs/log-group": 1, "iam/role": 2, "codebuild/project": 1, "codepipeline/pipeline": 1}))

		By("deleting: nothing is left but the connection, which is the user's")
		o.DeleteAndWait()
		Eventually(func() []string {
			var left []string
			for _, r := range env.Sim.ListLive() {
				if r.ID != arn {
					left = append(left, r.Service+"/"+r.Type+" "+r.ID)
				}
			}
			return left
		}).Should(BeEmpty())
	})
})
