package ecs_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// expectConverged waits until the object is Ready for its current generation.
func expectConverged(o *testenv.Object) *v1alpha1.FlaskDeployment {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		fd := o.Get()
		c := o.Condition(v1alpha1.ConditionReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
		g.Expect(c.ObservedGeneration).To(Equal(fd.Generation))
	}).Should(Succeed())
	return o.Get()
}

// repairedDrift lists the notes of the object's RepairedDrift events.
func repairedDrift(o *testenv.Object) string {
	var notes []string
	for _, ev := range o.Events() {
		if ev.Reason == "RepairedDrift" {
			notes = append(notes, ev.Note)
		}
	}
	return strings.Join(notes, "\n")
}

var _ = Describe("ECS stage changes and drift through the reconciler", func() {
	It("repairs console edits, follows and repairs spec.tags, then scales 2 to 3 and rolls out an env change as one new revision", func() {
		o := newObject(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
		})
		o.Create()
		fd := expectReadyWithURL(o)
		st := fd.Status.Service
		ecsc, elbc, ec2c := env.Clients.ECS(testenv.Region), env.Clients.ELBv2(testenv.Region), env.Clients.EC2(testenv.Region)

		By("editing the desired count, an ingress rule, the listener, the idle timeout and the log retention in the console")
		_, err := ecsc.UpdateService(ctx, &awsecs.UpdateServiceInput{Cluster: aws.String(st.ClusterARN), Service: aws.String(st.ServiceARN), DesiredCount: aws.Int32(5)})
		Expect(err).NotTo(HaveOccurred())
		_, err = ec2c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.LoadBalancerSecurityGroupID),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
				IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		Expect(err).NotTo(HaveOccurred())
		_, err = elbc.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(st.ListenerARN),
			DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
				FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}}})
		Expect(err).NotTo(HaveOccurred())
		_, err = elbc.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(st.LoadBalancerARN),
			Attributes: []elbv2types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("900")}}})
		Expect(err).NotTo(HaveOccurred())
		_, err = env.Clients.Logs(testenv.Region).PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: aws.String(st.LogGroupName), RetentionInDays: aws.Int32(1)})
		Expect(err).NotTo(HaveOccurred())

		Eventually(func(g Gomega) {
			g.Expect(describeService(o.Get()).DesiredCount).To(Equal(int32(2)))
			g.Expect(ingressPorts(fd)).To(Equal([]string{"80 0.0.0.0/0"}))
			g.Expect(listeners(fd)).To(Equal([]string{"HTTP:80 forward"}))
			attrs, err := elbc.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(st.LoadBalancerARN)})
			g.Expect(err).NotTo(HaveOccurred())
			for _, a := range attrs.Attributes {
				if aws.ToString(a.Key) == "idle_timeout.timeout_seconds" {
					g.Expect(aws.ToString(a.Value)).To(Equal("60"))
				}
			}
			groups, err := env.Clients.Logs(testenv.Region).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(st.LogGroupName)})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(aws.ToInt32(groups.LogGroups[0].RetentionInDays)).To(Equal(int32(7)))
		}).Should(Succeed())
		Eventually(func() string { return repairedDrift(o) }).Should(And(
			ContainSubstring("desired count 5 set to 2"),
			ContainSubstring("lacked ingress tcp 80 from 0.0.0.0/0"),
			ContainSubstring("did not forward to the target group"),
			ContainSubstring("had idle timeout 900s; set to 60s"),
			ContainSubstring("retention of log group "+st.LogGroupName+" was 1 days; set to 7"),
		))

		// ownedTags are the tags of every live resource of fd, by service/type and ID.
		ownedTags := func() map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, r := range env.Sim.ListLive() {
				if cloud.NewOwner(testenv.ClusterName, fd).Owns(r.Tags) {
					out[r.Service+"/"+r.Type+" "+r.ID] = r.Tags
				}
			}
			return out
		}
		Expect(len(ownedTags())).To(BeNumerically(">=", 20), "every resource of the object: %v", ownedTags())

		By("changing spec.tags: every resource of the object follows")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Tags = map[string]string{"project": "kite", "team": "web"} })
		Eventually(ownedTags).Should(HaveEach(And(HaveKeyWithValue("project", "kite"), HaveKeyWithValue("team", "web"))))
		Expect(ecsDrift(expectConverged(o))).To(BeEmpty(), "a spec change is not drift")

		By("taking the team tag off the service, its revision, the target group, the tasks' security group, the role and the log group")
		ecsT, elbT, ec2T := cloud.ECSTagger(env.Clients.ECS(testenv.Region)), cloud.ELBTagger(env.Clients.ELBv2(testenv.Region)), cloud.EC2Tagger(env.Clients.EC2(testenv.Region))
		for _, off := range []struct {
			tagger cloud.Tagger
			id     string
		}{
			{ecsT, st.ServiceARN}, {ecsT, st.TaskDefinitionARN}, {elbT, st.TargetGroupARN}, {ec2T, st.ServiceSecurityGroupID},
			{cloud.IAMRoleTagger(env.Clients.IAM(testenv.Region)), st.ExecutionRoleARN[strings.LastIndex(st.ExecutionRoleARN, "/")+1:]},
			{cloud.LogsTagger(env.Clients.Logs(testenv.Region)), "arn:aws:logs:" + testenv.Region + ":" + awssim.Account + ":log-group:" + st.LogGroupName},
		} {
			Expect(off.tagger.RemoveTags(ctx, off.id, []string{"team"})).To(Succeed(), off.id)
		}
		// status.drift lists what the last pass repaired; collect it over the passes (the
		// RepairedDrift event of a later pass only counts into the first one's series).
		var drift []string
		Eventually(func() []string {
			drift = append(drift, o.Get().Status.Drift...)
			return drift
		}).Should(ContainElements(
			ContainSubstring("tags team restored on ECS service "+st.ServiceARN), ContainSubstring("tags team restored on task definition"),
			ContainSubstring("tags team restored on target group "+st.TargetGroupARN), ContainSubstring("tags team restored on security group "+st.ServiceSecurityGroupID),
			ContainSubstring("tags team restored on task execution role"), ContainSubstring("tags team restored on log group")))
		Eventually(ownedTags).Should(HaveEach(HaveKeyWithValue("team", "web")))

		By("dropping team from spec.tags")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Tags = map[string]string{"project": "kite"} })
		Eventually(ownedTags).Should(HaveEach(Not(HaveKey("team"))))
		Expect(ownedTags()).To(HaveEach(HaveKeyWithValue("project", "kite")))

		By("scaling from 2 to 3 tasks")
		registered := env.Sim.CallCount("ecs", "RegisterTaskDefinition")
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Service.DesiredCount = aws.Int32(3) })
		fd = expectConverged(o)
		Expect(env.Sim.CallCount("ecs", "RegisterTaskDefinition")-registered).To(BeZero(), "a count change is no new revision")
		Expect([]int32{fd.Status.Service.RunningCount, fd.Status.Service.DesiredCount}).To(Equal([]int32{3, 3}))
		Expect(describeService(fd).RunningCount).To(Equal(int32(3)))
		Expect(printed(o)).To(HaveKeyWithValue("Running", BeNumerically("==", 3)))

		By("setting an environment variable")
		registered = env.Sim.CallCount("ecs", "RegisterTaskDefinition")
		updates := env.Sim.CallCount("ecs", "UpdateService")
		before := fd.Status.Service.TaskDefinitionARN
		o.Update(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}}
		})
		fd = expectConverged(o)
		Expect(env.Sim.CallCount("ecs", "RegisterTaskDefinition")-registered).To(Equal(1), "one new revision")
		Expect(env.Sim.CallCount("ecs", "UpdateService")-updates).To(Equal(1), "one rollout")
		after := fd.Status.Service.TaskDefinitionARN
		Expect(after).NotTo(Equal(before))
		Expect(fd.Status.DeployedRevision.TaskDefinitionARN).To(Equal(after))
		td, err := ecsc.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(after)})
		Expect(err).NotTo(HaveOccurred())
		Expect(td.TaskDefinition.ContainerDefinitions[0].Environment).To(HaveLen(1))
		Expect(aws.ToString(describeService(fd).TaskDefinition)).To(Equal(after))

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
	})

	It("keeps the image the pipeline deployed through a later spec change", func() {
		o := newObject(nil)
		o.Create()
		Eventually(func() string { return o.Get().Status.Repository.URI }).ShouldNot(BeEmpty())
		repo := o.Get().Status.Repository
		push := func(tag string) {
			GinkgoHelper()
			for _, t := range []string{tag, "latest"} {
				_, err := env.Clients.ECR(testenv.Region).PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String(repo.Name),
					ImageTag: aws.String(t), ImageManifest: aws.String(fmt.Sprintf(`{"schemaVersion":2,"commit":%q}`, tag))})
				Expect(err).NotTo(HaveOccurred())
			}
		}
		push("abc1234")
		fd := expectReadyWithURL(o)
		Expect(fd.Status.DeployedRevision.Image).To(Equal(repo.URI + ":abc1234"))

		By("deploying def5678 as the pipeline's ECS action may: an untagged copy of the revision with the new image, then UpdateService")
		push("def5678")
		ecsc := env.Clients.ECS(testenv.Region)
		cur, err := ecsc.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(fd.Status.Service.TaskDefinitionARN)})
		Expect(err).NotTo(HaveOccurred())
		c := cur.TaskDefinition
		c.ContainerDefinitions[0].Image = aws.String(repo.URI + ":def5678")
		reg, err := ecsc.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: c.Family, RequiresCompatibilities: c.RequiresCompatibilities,
			NetworkMode: c.NetworkMode, Cpu: c.Cpu, Memory: c.Memory, ExecutionRoleArn: c.ExecutionRoleArn, ContainerDefinitions: c.ContainerDefinitions})
		Expect(err).NotTo(HaveOccurred())
		_, err = ecsc.UpdateService(ctx, &awsecs.UpdateServiceInput{Cluster: aws.String(fd.Status.Service.ClusterARN), Service: aws.String(fd.Status.Service.ServiceARN),
			TaskDefinition: reg.TaskDefinition.TaskDefinitionArn})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			fd := o.Get()
			g.Expect(fd.Status.DeployedRevision).NotTo(BeNil())
			g.Expect(fd.Status.DeployedRevision.Image).To(Equal(repo.URI + ":def5678"))
			g.Expect(fd.Status.Service.Image).To(Equal(repo.URI + ":def5678"))
			g.Expect(fd.Status.Service.TaskDefinitionARN).To(Equal(aws.ToString(reg.TaskDefinition.TaskDefinitionArn)), "adopted, not copied again")
		}).Should(Succeed())
		adopted, err := ecsc.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: reg.TaskDefinition.TaskDefinitionArn,
			Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
		Expect(err).NotTo(HaveOccurred())
		Expect(cloud.NewOwner(testenv.ClusterName, o.Get()).Owns(cloud.FromECS(adopted.Tags))).To(BeTrue(), "the pipeline's revision carries the object's tags: %v", adopted.Tags)

		By("changing the spec afterwards: the new revision carries the pipeline's image")
		o.Update(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Service.Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}}
		})
		fd = expectConverged(o)
		Expect(fd.Status.Service.TaskDefinitionARN).NotTo(Equal(aws.ToString(reg.TaskDefinition.TaskDefinitionArn)))
		td, err := ecsc.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: describeService(fd).TaskDefinition})
		Expect(err).NotTo(HaveOccurred())
		Expect(aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)).To(Equal(repo.URI+":def5678"), "not drift: the pipeline owns the image")
		Expect(td.TaskDefinition.ContainerDefinitions[0].Environment).To(HaveLen(1))
		Expect(fd.Status.DeployedRevision.Image).To(Equal(repo.URI + ":def5678"))

		By("keeping the current revision and the pipeline's one before it; the first one is deregistered")
		first, pipeline, current := cur.TaskDefinition.TaskDefinitionArn, reg.TaskDefinition.TaskDefinitionArn, fd.Status.Service.TaskDefinitionARN
		family := aws.ToString(c.Family)
		Eventually(func() []string { return familyRevisions(family, ecstypes.TaskDefinitionStatusInactive) }).Should(Equal([]string{aws.ToString(first)}))
		Expect(familyRevisions(family, ecstypes.TaskDefinitionStatusActive)).To(Equal([]string{aws.ToString(pipeline), current}))

		o.DeleteAndWait()
		Eventually(env.Sim.ListLive).Should(BeEmpty())
		for _, status := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive, ecstypes.TaskDefinitionStatusDeleteInProgress} {
			Expect(familyRevisions(family, status)).To(BeEmpty(), "no %s revision of the family after the delete", status)
		}
	})
})

// familyRevisions lists the ARNs of a task definition family's revisions in a status,
// oldest first.
func familyRevisions(family string, status ecstypes.TaskDefinitionStatus) []string {
	GinkgoHelper()
	var arns []string
	p := awsecs.NewListTaskDefinitionsPaginator(env.Clients.ECS(testenv.Region), &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: status})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		Expect(err).NotTo(HaveOccurred())
		arns = append(arns, page.TaskDefinitionArns...)
	}
	return arns
}
