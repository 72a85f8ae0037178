package integration_test

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var _ = Describe("The operator's IAM policy", func() {
	It("allows every call of a whole life with every stage, and the grants left unused are listed", func() {
		doc, err := iampolicy.OperatorPolicy(testenv.ClusterName)
		Expect(err).NotTo(HaveOccurred())
		env := startEnv(testenv.Options{Stages: controllers.Stages})
		conn, err := env.Clients.Connections(testenv.Region).CreateConnection(ctx, &codestarconnections.CreateConnectionInput{
			ConnectionName: aws.String("github"), ProviderType: cstypes.ProviderTypeGithub})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Sim.ApproveConnection(aws.ToString(conn.ConnectionArn))).To(Succeed())
		// From here on every call the operator makes is authorized against the policy.
		Expect(env.Sim.SetIdentityPolicy(doc)).To(Succeed())

		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"}}
		fd.Spec.Tags = map[string]string{"team": "a", "cost-center": "42"}
		fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
		fd.Spec.Service.Autoscaling = &v1alpha1.AutoscalingSpec{MinCount: 1, MaxCount: 3, TargetCPUPercent: 60}
		fd.Spec.Service.Secrets = []v1alpha1.SecretEnvVar{{Name: "DB",
			ValueFrom: "arn:aws:ssm:" + testenv.Region + ":123456789012:parameter/flaskops/" + ns + "/db"}}
		fd.Spec.Pipeline = &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: "flaskops", Repo: "app",
			ConnectionARN: aws.ToString(conn.ConnectionArn)}}
		o := env.Object(ctx, fd)
		o.Create()
		expectReadyAtGeneration(o)

		By("changing tags, scaling and secrets")
		o.Update(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Tags = map[string]string{"team": "b"}
			fd.Spec.Service.DesiredCount = aws.Int32(3)
			fd.Spec.Service.Autoscaling = nil
			fd.Spec.Service.Secrets = nil
		})
		expectReadyAtGeneration(o)
		By("suspending and resuming without the pipeline")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = true })
		expectReadyAtGeneration(o)
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = false; fd.Spec.Pipeline = nil })
		expectReadyAtGeneration(o)
		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(ConsistOf(HaveField("ID", aws.ToString(conn.ConnectionArn))), "only the user's connection is left")

		used := env.Sim.UsedActions()
		allowed, err := iampolicy.AllowedActions(doc)
		Expect(err).NotTo(HaveOccurred())
		Expect(allowed).To(ContainElements(used))
		unused := slices.DeleteFunc(allowed, func(a string) bool { return slices.Contains(used, a) })
		AddReportEntry("IAM grants no call of this life used", strings.Join(unused, " "))
	})
})

// expectReadyAtGeneration waits for Ready at the object's current generation: a pass
// that AWS refused would leave it Stalled with AccessDenied.
func expectReadyAtGeneration(o *testenv.Object) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		fd := o.Get()
		c := o.Condition(v1alpha1.ConditionReady)
		g.Expect(fd.Status.ObservedGeneration).To(Equal(fd.Generation))
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).Should(Succeed())
}
