package integration_test

import (
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var _ = Describe("The operator's IAM policy", func() {
	It("allows every call of a whole life with every stage, and each grant is used or listed in unused-grants.md", func() {
		doc, err := iampolicy.OperatorPolicy(testenv.ClusterName)
		Expect(err).NotTo(HaveOccurred())
		env := startEnv(testenv.Options{Stages: controllers.Stages})
		ns, err := env.Namespace(ctx)
		Expect(err).NotTo(HaveOccurred())
		conn, err := env.Connection(ctx, "github", ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Sim.ApproveConnection(conn)).To(Succeed())
		// From here on every call the operator makes is authorized against the policy.
		Expect(env.Sim.SetIdentityPolicy(doc)).To(Succeed())
		var used []string
		// behindItsBack changes AWS as the operator's identity could not; setting a policy
		// starts a new record of used actions, so the record so far is kept first.
		behindItsBack := func(change func()) {
			GinkgoHelper()
			used = append(used, env.Sim.UsedActions()...)
			Expect(env.Sim.SetIdentityPolicy(nil)).To(Succeed())
			change()
			Expect(env.Sim.SetIdentityPolicy(doc)).To(Succeed())
		}

		fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"}}
		fd.Spec.Tags = map[string]string{"team": "a", "cost-center": "42"}
		fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
		fd.Spec.Service.Autoscaling = &v1alpha1.AutoscalingSpec{MinCount: 1, MaxCount: 3, TargetCPUPercent: 60}
		fd.Spec.Service.Secrets = []v1alpha1.SecretEnvVar{{Name: "DB",
			ValueFrom: "arn:aws:ssm:" + testenv.Region + ":123456789012:parameter/flaskops/" + ns + "/db"}}
		fd.Spec.Pipeline = &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: "flaskops", Repo: "app",
			ConnectionARN: conn}}
		o := env.Object(ctx, fd)
		o.Create()
		expectReadyAtGeneration(o)

		By("removing a tag while every resource is there, and changing what each stage can change in place")
		o.Update(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Tags = map[string]string{"team": "a"}
			fd.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
			fd.Spec.Repository.ImageTagMutability = "IMMUTABLE"
			fd.Spec.Repository.ScanOnPush = aws.Bool(false)
			fd.Spec.Service.HealthCheckPath = "/healthz"
			fd.Spec.Service.LoadBalancer.Port = 8080
			fd.Spec.Service.LoadBalancer.IdleTimeoutSeconds = 120
			fd.Spec.Pipeline.Source.Branch = "release"
		})
		expectReadyAtGeneration(o)

		By("repairing a trust policy, a role's permissions boundary and the load balancer's security groups changed behind the operator's back")
		st := o.Get().Status.Service
		role := st.ExecutionRoleARN[strings.LastIndex(st.ExecutionRoleARN, "/")+1:]
		behindItsBack(func() {
			_, err := env.Clients.IAM(testenv.Region).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			Expect(err).NotTo(HaveOccurred())
			_, err = env.Clients.IAM(testenv.Region).DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(role)})
			Expect(err).NotTo(HaveOccurred())
			_, err = env.Clients.ELBv2(testenv.Region).SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{
				LoadBalancerArn: aws.String(st.LoadBalancerARN), SecurityGroups: []string{st.ServiceSecurityGroupID}})
			Expect(err).NotTo(HaveOccurred())
		})
		// The resync repairs both; the policy is on, so reading them back needs no grant
		// beyond the operator's own.
		Eventually(func(g Gomega) {
			r, err := env.Clients.IAM(testenv.Region).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
			g.Expect(err).NotTo(HaveOccurred())
			trust, err := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(trust).To(ContainSubstring("ecs-tasks.amazonaws.com"))
			g.Expect(r.Role.PermissionsBoundary).NotTo(BeNil())
			g.Expect(aws.ToString(r.Role.PermissionsBoundary.PermissionsBoundaryArn)).To(Equal(iampolicy.BoundaryARN(awssim.Account, testenv.ClusterName)))
			lbs, err := env.Clients.ELBv2(testenv.Region).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{st.LoadBalancerARN}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(lbs.LoadBalancers).To(HaveLen(1))
			g.Expect(lbs.LoadBalancers[0].SecurityGroups).To(Equal([]string{st.LoadBalancerSecurityGroupID}))
		}).Should(Succeed())

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
		behindItsBack(func() { putArtifacts(env, o.Get().Status.Pipeline.ArtifactBucket) })
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Suspend = false; fd.Spec.Pipeline = nil })
		expectReadyAtGeneration(o)
		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(ConsistOf(HaveField("ID", conn)), "only the user's connection is left")

		used = append(used, env.Sim.UsedActions()...)
		slices.Sort(used)
		used = slices.Compact(used)
		allowed, err := iampolicy.AllowedActions(doc)
		Expect(err).NotTo(HaveOccurred())
		Expect(allowed).To(ContainElements(used))
		listed, err := iampolicy.UnusedGrants()
		Expect(err).NotTo(HaveOccurred())
		var wrong []string
		for _, a := range allowed {
			switch _, ok := listed[a]; {
			case slices.Contains(used, a) && ok:
				wrong = append(wrong, a+" is used: remove its row")
			case !slices.Contains(used, a) && !ok:
				wrong = append(wrong, a+" is unused: exercise it here or add a row saying why")
			}
		}
		for a := range listed {
			if !slices.Contains(allowed, a) {
				wrong = append(wrong, a+" is not granted: remove its row")
			}
		}
		Expect(wrong).To(BeEmpty(), "config/iam/unused-grants.md")
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
