package cicd_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// One Ready object whose pipeline is changed behind the operator's back, one thing at a
// time: the resync puts each back and says so. Then its connection goes, and last its
// spec.pipeline.
var _ = Describe("A Ready pipeline, through the reconciler", Ordered, func() {
	const repo = "resync"
	var (
		o           *testenv.Object
		ready       *v1alpha1.FlaskDeployment // as it was when first Ready
		conn, conn2 string
	)

	BeforeAll(func() {
		o = newPipelineObject(repo, func(ns string, s *v1alpha1.GitHubSource) {
			conn = newConnection("resync", ns)
			Expect(env.Sim.ApproveConnection(conn)).To(Succeed())
			s.ConnectionARN = conn
		})
		o.Create()
		pushAndWaitDeployed(o, repo, commit(21))
		ready = o.Get()
		Expect(cicdInventory(ready)).To(Equal(allCICD))
	})

	AfterAll(func() {
		if o != nil {
			cleanUp(o)
		}
		for _, arn := range []string{conn, conn2} {
			if arn != "" {
				deleteConnection(arn)
			}
		}
	})

	It("puts back a stage removed from the pipeline", func() {
		cp := env.Clients.CodePipeline(testenv.Region)
		name := aws.String(ready.Status.Pipeline.PipelineName)
		removeDeploy := func() {
			out, err := cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: name})
			Expect(err).NotTo(HaveOccurred())
			d := out.Pipeline
			d.Stages = d.Stages[:2]
			_, err = cp.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: d})
			Expect(err).NotTo(HaveOccurred())
		}
		expectRepaired(o, "stages Source, Build, want Source, Build, Deploy", removeDeploy, func(g Gomega) {
			out, err := cp.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: name})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(stageNames(out.Pipeline)).To(Equal([]string{"Source", "Build", "Deploy"}))
			g.Expect(out.Pipeline.Stages[2].Actions[0].Configuration).To(HaveKeyWithValue("ServiceName", HaveSuffix("service")))
		})
	})

	It("puts back the build project's image and environment", func() {
		const image = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
		cb := env.Clients.CodeBuild(testenv.Region)
		name := ready.Status.Pipeline.BuildProjectName
		change := func() {
			e := *buildProject(Default, name).Environment
			e.Image = aws.String(image)
			e.EnvironmentVariables = append(e.EnvironmentVariables, cbtypes.EnvironmentVariable{Name: aws.String("DEBUG"), Value: aws.String("1")})
			_, err := cb.UpdateProject(ctx, &codebuild.UpdateProjectInput{Name: aws.String(name), Environment: &e})
			Expect(err).NotTo(HaveOccurred())
		}
		expectRepaired(o, "image "+image+" instead of aws/codebuild/standard:7.0, environment variable DEBUG added", change, func(g Gomega) {
			e := buildProject(g, name).Environment
			g.Expect(aws.ToString(e.Image)).To(Equal("aws/codebuild/standard:7.0"))
			var vars []string
			for _, v := range e.EnvironmentVariables {
				vars = append(vars, aws.ToString(v.Name))
			}
			g.Expect(vars).To(ConsistOf("AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "CONTAINER_NAME", "REPOSITORY_URI"))
		})
	})

	It("enables the bucket's versioning again", func() {
		bucket := aws.String(ready.Status.Pipeline.ArtifactBucket)
		c := env.Clients.S3(testenv.Region)
		suspend := func() {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
			Expect(err).NotTo(HaveOccurred())
		}
		expectRepaired(o, "versioning of bucket "+*bucket+" was Suspended", suspend, func(g Gomega) {
			out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out.Status).To(Equal(s3types.BucketVersioningStatusEnabled))
		})
	})

	It("blocks public access to the bucket again, whether the block was lifted or deleted", func() {
		bucket := aws.String(ready.Status.Pipeline.ArtifactBucket)
		c := env.Clients.S3(testenv.Region)
		drift := "public access to bucket " + *bucket + " was unblocked"
		blocked := func(g Gomega) {
			out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
			g.Expect(err).NotTo(HaveOccurred())
			b := out.PublicAccessBlockConfiguration
			g.Expect([]bool{aws.ToBool(b.BlockPublicAcls), aws.ToBool(b.IgnorePublicAcls), aws.ToBool(b.BlockPublicPolicy),
				aws.ToBool(b.RestrictPublicBuckets)}).To(Equal([]bool{true, true, true, true}))
		}

		By("all four settings false")
		expectRepaired(o, drift, func() {
			_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket,
				PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false),
					IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}})
			Expect(err).NotTo(HaveOccurred())
		}, blocked)

		By("the block deleted")
		Eventually(func() []string { return o.Get().Status.Drift }).ShouldNot(ContainElement(ContainSubstring(drift)),
			"the pass after the repair finds nothing to repair")
		expectRepaired(o, drift, func() {
			_, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: bucket})
			Expect(err).NotTo(HaveOccurred())
		}, blocked)
	})

	It("narrows a widened role policy again", func() {
		role := cloud.NewOwner(testenv.ClusterName, ready).Name(cloud.RoleName, "pipeline")
		c := env.Clients.IAM(testenv.Region)
		widen := func() {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("flaskops-pipeline"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
			Expect(err).NotTo(HaveOccurred())
		}
		expectRepaired(o, "policy flaskops-pipeline of role "+role+" put back", widen, func(g Gomega) {
			out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("flaskops-pipeline")})
			g.Expect(err).NotTo(HaveOccurred())
			doc, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(doc).NotTo(ContainSubstring(`"Action":"*"`))
			g.Expect(doc).To(ContainSubstring(`"ecs:UpdateService"`))
		})
	})

	It("stalls naming a deleted connection, and goes on with the one the spec names next", func() {
		deleteConnection(conn)
		Eventually(func(g Gomega) {
			st := o.Condition(v1alpha1.ConditionStalled)
			g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(st.Reason).To(Equal(v1alpha1.ReasonSourceConnectionFailed))
			g.Expect(st.Message).To(ContainSubstring(conn))
			g.Expect(o.Condition(v1alpha1.ConditionPipelineReady).Reason).To(Equal(v1alpha1.ReasonSourceConnectionFailed))
			sc := o.Condition(v1alpha1.ConditionSourceConnectionReady)
			g.Expect(sc.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(sc.Message).To(ContainSubstring(conn))
		}).Should(Succeed())
		Eventually(func() bool { return hasEvent(o, "Stalled", conn) }).Should(BeTrue())

		By("naming a new connection in the spec")
		conn2 = newConnection("resync-2", o.FD.Namespace)
		Expect(env.Sim.ApproveConnection(conn2)).To(Succeed())
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Pipeline.Source.ConnectionARN = conn2 })
		Eventually(func(g Gomega) {
			cur := o.Get()
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)).To(BeTrue())
		}).Should(Succeed())
		out, err := env.Clients.CodePipeline(testenv.Region).GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(ready.Status.Pipeline.PipelineName)})
		Expect(err).NotTo(HaveOccurred())
		Expect(out.Pipeline.Stages[0].Actions[0].Configuration).To(HaveKeyWithValue("ConnectionArn", conn2))
	})

	It("deletes the pipeline's resources when spec.pipeline is removed, and says NotConfigured", func() {
		Expect(cicdInventory(o.Get())).To(Equal(allCICD))
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Pipeline = nil })
		Eventually(func(g Gomega) {
			pr := o.Condition(v1alpha1.ConditionPipelineReady)
			g.Expect(pr.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(pr.Reason).To(Equal(v1alpha1.ReasonNotConfigured))
			g.Expect(cicdInventory(ready)).To(BeEmpty())
		}).Should(Succeed())
		cur := o.Get()
		Expect(cur.Status.Pipeline).To(Equal(v1alpha1.PipelineStatus{}))
		Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)).To(BeNil())
		Eventually(func() bool { return hasEvent(o, "DeletedPipeline", ready.Status.Pipeline.PipelineARN) }).Should(BeTrue())
		Eventually(func() bool { return meta.IsStatusConditionTrue(o.Get().Status.Conditions, v1alpha1.ConditionReady) }).Should(BeTrue(),
			"the service keeps running the last image the pipeline deployed")
	})
})

// expectRepaired makes a change behind the operator's back and waits until repaired holds
// and a status of the object has named the drift in status.drift, then for a RepairedDrift
// event that says it: one more than before, as a spec may repair one drift twice.
func expectRepaired(o *testenv.Object, drift string, change func(), repaired func(Gomega)) {
	GinkgoHelper()
	before := countEvents(o, "RepairedDrift", drift)
	named := watchDrift(o, drift)
	change()
	Eventually(func(g Gomega) {
		repaired(g)
		g.Expect(named()).To(BeTrue(), "status.drift never named %q", drift)
	}).Should(Succeed())
	Eventually(func() int { return countEvents(o, "RepairedDrift", drift) }).Should(BeNumerically(">", before))
}

// watchDrift watches the object until the spec ends; named reports whether any status it
// had since has a cicd entry in status.drift containing drift. An entry lasts until the
// next pass, which polling could miss.
func watchDrift(o *testenv.Object, drift string) (named func() bool) {
	GinkgoHelper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Client.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	wctx, cancel := context.WithCancel(ctx)
	DeferCleanup(cancel)
	w, err := wc.Watch(wctx, &v1alpha1.FlaskDeploymentList{}, client.InNamespace(o.FD.Namespace),
		client.MatchingFields{"metadata.name": o.FD.Name})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	var seen atomic.Bool
	go func() {
		for ev := range w.ResultChan() {
			if fd, ok := ev.Object.(*v1alpha1.FlaskDeployment); ok && slices.ContainsFunc(fd.Status.Drift, func(d string) bool {
				return strings.HasPrefix(d, "cicd: ") && strings.Contains(d, drift)
			}) {
				seen.Store(true)
			}
		}
	}()
	return seen.Load
}

func buildProject(g Gomega, name string) cbtypes.Project {
	out, err := env.Clients.CodeBuild(testenv.Region).BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: []string{name}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Projects).To(HaveLen(1))
	return out.Projects[0]
}

func stageNames(d *cptypes.PipelineDeclaration) []string {
	var out []string
	for _, s := range d.Stages {
		out = append(out, aws.ToString(s.Name))
	}
	return out
}
