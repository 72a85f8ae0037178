package integration_test

import (
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// refusalResync stands for the production resync period of ten minutes: resyncsPerHour
// of them are an hour.
const (
	refusalResync  = 500 * time.Millisecond
	resyncsPerHour = 6
)

// foreignTags are another cluster's ownership tags.
var foreignTags = map[string]string{cloud.TagCluster: "other", cloud.TagOwner: "team-b/app"}

// callsDelta is what each service:operation was called between two snapshots of Calls.
func callsDelta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

func describeCalls(calls map[string]int) string {
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf("%s=%d ", k, calls[k])
	}
	return out
}

var _ = Describe("AWS refusals", Ordered, func() {
	var env *testenv.Env
	BeforeAll(func() {
		env = startEnv(testenv.Options{Stages: controllers.Stages, ResyncPeriod: refusalResync})
	})

	// refusal is an object AWS or another owner refuses; foreign creates what is in the way
	// (if anything) and returns it as "service/type".
	type refusal struct {
		mutate  func(fd *v1alpha1.FlaskDeployment)
		foreign func(fd *v1alpha1.FlaskDeployment) []string
		// reason of Stalled, and what its message names; refusedOp is the call that is
		// refused, once a pass.
		reason, refusedOp string
		names             func(fd *v1alpha1.FlaskDeployment) string
		// ready are the conditions that become True all the same.
		ready []string
	}

	DescribeTable("stalls with AWS's or the owner's word, calls AWS only at resyncs, and leaves nothing behind",
		func(r refusal) {
			ns, err := env.Namespace(ctx)
			Expect(err).NotTo(HaveOccurred())
			o := fixedImageObject(env, ns, "app")
			if r.mutate != nil {
				r.mutate(o.FD)
			}
			var foreign []string
			if r.foreign != nil {
				foreign = r.foreign(o.FD)
			}
			o.Create()
			Eventually(func(g Gomega) {
				fd := o.Get()
				stalled := metaCondition(fd, v1alpha1.ConditionStalled)
				g.Expect(stalled.Status).To(Equal(metav1.ConditionTrue), "Stalled")
				g.Expect(stalled.Reason).To(Equal(r.reason))
				g.Expect(stalled.Message).To(ContainSubstring(r.names(o.FD)))
				for _, t := range r.ready {
					c := metaCondition(fd, t)
					g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s: %s", t, c.Reason, c.Message)
				}
			}).Should(Succeed())

			// One pass may still be in flight; then an hour of resyncs. The refused call is
			// made once a pass: the object is looked at again at each resync (what AWS
			// refused may be put right outside the spec), never retried in between, and no
			// call is made more than twice a pass.
			time.Sleep(refusalResync)
			before := env.Sim.Calls()
			time.Sleep(resyncsPerHour * refusalResync)
			window := callsDelta(before, env.Sim.Calls())
			GinkgoWriter.Printf("calls in an hour of resyncs: %d: %s\n", total(window), describeCalls(window))
			passes := window[r.refusedOp]
			Expect(passes).To(BeNumerically(">=", resyncsPerHour/2), "a stalled object is looked at again at each resync")
			Expect(passes).To(BeNumerically("<=", resyncsPerHour+1), "the refused call is made once a resync, never retried in between")
			for op, n := range window { // a pass may straddle either end of the window
				Expect(n).To(BeNumerically("<=", 2*(passes+1)), "%s in %d passes", op, passes)
			}

			o.DeleteAndWait()
			var left []string
			for _, res := range env.Sim.ListLive() {
				left = append(left, res.Service+"/"+res.Type)
			}
			Expect(left).To(ConsistOf(foreign), "only what was someone else's is left")
			removeForeign(env, o.FD)
		},
		Entry("a certificate that was never imported", refusal{
			mutate: func(fd *v1alpha1.FlaskDeployment) {
				fd.Spec.Service.LoadBalancer.CertificateARN = "arn:aws:acm:us-east-1:" + awssim.Account + ":certificate/0b5e7f3a-0000-4000-8000-000000000000"
			},
			reason: v1alpha1.ReasonAWSValidationError, refusedOp: "elasticloadbalancing:CreateListener",
			names: func(fd *v1alpha1.FlaskDeployment) string {
				return "CertificateNotFound: Certificate '" + fd.Spec.Service.LoadBalancer.CertificateARN + "' not found"
			},
			ready: []string{v1alpha1.ConditionNetworkReady, v1alpha1.ConditionRepositoryReady},
		}),
		Entry("a repository name someone else owns", refusal{
			mutate: func(fd *v1alpha1.FlaskDeployment) { fd.Spec.Repository.Name = "team-b/app" },
			foreign: func(*v1alpha1.FlaskDeployment) []string {
				_, err := env.Clients.ECR(testenv.Region).CreateRepository(ctx, &ecr.CreateRepositoryInput{
					RepositoryName: aws.String("team-b/app"), Tags: ecrTags(foreignTags)})
				Expect(err).NotTo(HaveOccurred())
				return []string{"ecr/repository"}
			},
			reason: v1alpha1.ReasonOwnershipConflict, refusedOp: "ecr:DescribeRepositories",
			names: func(*v1alpha1.FlaskDeployment) string {
				return "ECR repository arn:aws:ecr:us-east-1:" + awssim.Account + ":repository/team-b/app is not this FlaskDeployment's: its flaskops.io/owner tag is \"team-b/app\""
			},
			ready: []string{v1alpha1.ConditionNetworkReady, v1alpha1.ConditionServiceReady},
		}),
		Entry("a permissions boundary policy an administrator has not created", refusal{
			foreign: func(*v1alpha1.FlaskDeployment) []string {
				_, err := env.Clients.IAM(testenv.Region).DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(boundaryARN())})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(func() {
					Expect(testenv.CreateBoundary(ctx, env.Clients.IAM(testenv.Region), testenv.ClusterName)).To(Succeed())
				})
				return nil
			},
			reason: v1alpha1.ReasonNotFound, refusedOp: "iam:CreateRole",
			names: func(*v1alpha1.FlaskDeployment) string {
				return "NoSuchEntity: Scope ARN: " + boundaryARN() + " does not exist or is not attachable."
			},
			ready: []string{v1alpha1.ConditionNetworkReady, v1alpha1.ConditionRepositoryReady},
		}),
		Entry("an execution role name someone else took", refusal{
			foreign: func(fd *v1alpha1.FlaskDeployment) []string {
				_, err := env.Clients.IAM(testenv.Region).CreateRole(ctx, &iam.CreateRoleInput{
					RoleName: aws.String(execRoleName(fd)), Path: aws.String("/flaskops/"),
					AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
					Tags:                     iamTags(foreignTags)})
				Expect(err).NotTo(HaveOccurred())
				return []string{"iam/role"}
			},
			reason: v1alpha1.ReasonOwnershipConflict, refusedOp: "iam:GetRole",
			names: func(fd *v1alpha1.FlaskDeployment) string {
				return "task execution role " + execRoleName(fd) + " is not this FlaskDeployment's: its flaskops.io/owner tag is \"team-b/app\""
			},
			ready: []string{v1alpha1.ConditionNetworkReady, v1alpha1.ConditionRepositoryReady},
		}),
	)
})

func metaCondition(fd *v1alpha1.FlaskDeployment, t string) metav1.Condition {
	for _, c := range fd.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return metav1.Condition{}
}

// boundaryARN is the permissions boundary of the environment's roles.
func boundaryARN() string { return iampolicy.BoundaryARN(awssim.Account, testenv.ClusterName) }

// execRoleName is the name the ecs stage gives fd's execution role.
func execRoleName(fd *v1alpha1.FlaskDeployment) string {
	return cloud.NewOwner(testenv.ClusterName, fd).Name(cloud.RoleName, "exec")
}

// removeForeign deletes what a refusal entry created in the way of fd.
func removeForeign(env *testenv.Env, fd *v1alpha1.FlaskDeployment) {
	GinkgoHelper()
	for _, res := range env.Sim.ListLive() {
		switch res.Service + "/" + res.Type {
		case "ecr/repository":
			_, err := env.Clients.ECR(testenv.Region).DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team-b/app")})
			Expect(err).NotTo(HaveOccurred())
		case "iam/role":
			_, err := env.Clients.IAM(testenv.Region).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(execRoleName(fd))})
			Expect(err).NotTo(HaveOccurred())
		}
	}
	Expect(env.Sim.ListLive()).To(BeEmpty())
}

func ecrTags(tags map[string]string) []ecrtypes.Tag {
	var out []ecrtypes.Tag
	for k, v := range tags {
		out = append(out, ecrtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func iamTags(tags map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for k, v := range tags {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}
