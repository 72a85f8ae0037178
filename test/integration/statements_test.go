package integration_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// statementSample is how many statements a run removes, one at a time; POLICY_STATEMENTS=all
// removes every one (a minute and a half). Which ones follows the Ginkgo seed (--ginkgo.seed repeats a run).
const statementSample = 5

// notLoadBearing are the Allow statements a life of the spec below needs none of, by
// "<file>/<Sid>", with why. Deny statements are guards: removing one allows more, never less.
var notLoadBearing = map[string]string{
	"operator-policy-network.json/SecurityGroupsInUntaggedVPC": "only for security groups in a VPC the operator did not create (spec.network.vpcID)",
	"operator-policy-iam.json/ServiceLinkedRoles":              "awssim does not model service-linked roles (config/iam/unused-grants.md)",
	"operator-policy-delivery.json/PassConnection":             "awssim does not ask it of CreatePipeline (config/iam/unused-grants.md)",
	"operator-policy-delivery.json/AdoptPipelineRevisions":     "only once the pipeline deploys a commit, which the life does not push (controllers/ecs TestAdoptionUnderTheOperatorPolicy removes it)",
}

type statement struct{ file, sid string }

func (s statement) String() string { return s.file + "/" + s.sid }

var _ = Describe("Each statement of the operator's IAM policy", func() {
	It("is needed: without it a life of an object is refused with AccessDenied", func() {
		docs, err := iampolicy.OperatorPolicies(testenv.ClusterName)
		Expect(err).NotTo(HaveOccurred())
		var candidates []statement
		excluded := map[string]bool{}
		for _, file := range slices.Sorted(maps.Keys(docs)) {
			for _, s := range statements(docs[file]) {
				st := statement{file: file, sid: s.Sid}
				Expect(st.sid).NotTo(BeEmpty(), "every statement of %s has a Sid", file)
				if _, skip := notLoadBearing[st.String()]; skip {
					Expect(s.Effect).To(Equal("Allow"), "%s is excluded as an Allow", st)
					excluded[st.String()] = true
				} else if s.Effect == "Allow" {
					candidates = append(candidates, st)
				}
			}
		}
		Expect(excluded).To(HaveLen(len(notLoadBearing)), "every excluded statement is in the policy")
		sample := candidates
		if os.Getenv("POLICY_STATEMENTS") != "all" {
			r := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), 0))
			r.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
			sample = sample[:statementSample]
		}

		env := startEnv(testenv.Options{Stages: controllers.Stages})
		conn, err := env.Clients.Connections(testenv.Region).CreateConnection(ctx, &codestarconnections.CreateConnectionInput{
			ConnectionName: aws.String("github"), ProviderType: cstypes.ProviderTypeGithub})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Sim.ApproveConnection(aws.ToString(conn.ConnectionArn))).To(Succeed())
		var needless []string
		for _, st := range sample {
			By("removing " + st.String())
			ns, err := env.Namespace(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(env.AllowConnection(ctx, aws.ToString(conn.ConnectionArn), ns)).To(Succeed())
			Expect(env.Sim.SetIdentityPolicy(without(docs, st))).To(Succeed())
			fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"}}
			fd.Spec.Tags = map[string]string{"team": "a"}
			fd.Spec.Service.Image = "public.ecr.aws/docker/library/python:3.12-slim"
			fd.Spec.Service.Autoscaling = &v1alpha1.AutoscalingSpec{MinCount: 1, MaxCount: 3, TargetCPUPercent: 60}
			fd.Spec.Service.Secrets = []v1alpha1.SecretEnvVar{{Name: "DB",
				ValueFrom: "arn:aws:ssm:" + testenv.Region + ":123456789012:parameter/flaskops/" + ns + "/db"}}
			fd.Spec.Pipeline = &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: "flaskops", Repo: "app",
				ConnectionARN: aws.ToString(conn.ConnectionArn)}}
			o := env.Object(ctx, fd)
			o.Create()
			denied := untilReadyOrDenied(o)
			if !denied {
				// Artifacts, which the pipeline would have written, for the deletion to remove.
				Expect(env.Sim.SetIdentityPolicy(nil)).To(Succeed())
				putArtifacts(env, o.Get().Status.Pipeline.ArtifactBucket)
				Expect(env.Sim.SetIdentityPolicy(without(docs, st))).To(Succeed())
				Expect(env.Client.Delete(ctx, o.Get())).To(Succeed())
				denied = untilGoneOrDenied(env, o)
			}
			if !denied {
				needless = append(needless, st.String())
			}
			// With no policy the object goes, before the next statement's life.
			Expect(env.Sim.SetIdentityPolicy(nil)).To(Succeed())
			Expect(client.IgnoreNotFound(env.Client.Delete(ctx, fd))).To(Succeed())
			Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{}))
			}).Should(BeTrue())
		}
		Eventually(env.Sim.ListLive).Should(ConsistOf(HaveField("ID", aws.ToString(conn.ConnectionArn))), "only the user's connection is left")
		Expect(needless).To(BeEmpty(), "statements removed, and a life of create and delete was allowed every call")
	})
})

type policyStatement struct {
	Sid    string
	Effect string
}

func statements(doc []byte) []policyStatement {
	GinkgoHelper()
	var d struct{ Statement []policyStatement }
	Expect(json.Unmarshal(doc, &d)).To(Succeed())
	return d.Statement
}

// without is the operator policy, merged as OperatorPolicy merges it, less one statement.
func without(docs map[string][]byte, st statement) []byte {
	GinkgoHelper()
	var all []json.RawMessage
	for _, file := range slices.Sorted(maps.Keys(docs)) {
		var d struct{ Statement []json.RawMessage }
		Expect(json.Unmarshal(docs[file], &d)).To(Succeed())
		for _, raw := range d.Statement {
			var s policyStatement
			Expect(json.Unmarshal(raw, &s)).To(Succeed())
			if file != st.file || s.Sid != st.sid {
				all = append(all, raw)
			}
		}
	}
	Expect(len(all)).To(BeNumerically(">", 0))
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": all})
	Expect(err).NotTo(HaveOccurred())
	return b
}

// putArtifacts writes two versions of an artifact into the pipeline's bucket, as builds do.
func putArtifacts(env *testenv.Env, bucket string) {
	GinkgoHelper()
	for range 2 {
		_, err := env.Clients.S3(testenv.Region).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
			Key: aws.String("SourceOutput/a.zip"), Body: strings.NewReader("artifact")})
		Expect(err).NotTo(HaveOccurred())
	}
}

// deniedCondition is a condition of the object that says AWS refused a call, if any.
func deniedCondition(fd *v1alpha1.FlaskDeployment) (metav1.Condition, bool) {
	for _, c := range fd.Status.Conditions {
		if c.Reason == v1alpha1.ReasonAccessDenied {
			return c, true
		}
	}
	return metav1.Condition{}, false
}

// untilReadyOrDenied waits until the object is Ready at its generation (false) or a
// condition reports AccessDenied (true).
func untilReadyOrDenied(o *testenv.Object) bool {
	GinkgoHelper()
	return until(func() (string, *v1alpha1.FlaskDeployment) {
		fd := o.Get()
		if fd.Status.ObservedGeneration == fd.Generation && o.Condition(v1alpha1.ConditionReady).Status == metav1.ConditionTrue {
			return "done", fd
		}
		return "", fd
	})
}

// untilGoneOrDenied waits until the deleted object is gone (false) or a condition reports
// AccessDenied (true).
func untilGoneOrDenied(env *testenv.Env, o *testenv.Object) bool {
	GinkgoHelper()
	return until(func() (string, *v1alpha1.FlaskDeployment) {
		fd := &v1alpha1.FlaskDeployment{}
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(o.FD), fd)
		if apierrors.IsNotFound(err) {
			return "done", fd
		}
		Expect(err).NotTo(HaveOccurred())
		return "", fd
	})
}

// until polls look until it is done or the object it returns reports AccessDenied, which
// it returns true for (the refusal goes into the report).
func until(look func() (string, *v1alpha1.FlaskDeployment)) bool {
	GinkgoHelper()
	var refusal metav1.Condition
	Eventually(func() string {
		state, fd := look()
		if c, ok := deniedCondition(fd); ok {
			refusal, state = c, "denied"
		}
		return state
	}).Should(Or(Equal("done"), Equal("denied")))
	if refusal.Reason == "" {
		return false
	}
	AddReportEntry("refused", fmt.Sprintf("%s: %s", refusal.Type, refusal.Message))
	return true
}
