package ecr_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const (
	timeout = 30 * time.Second
	poll    = 50 * time.Millisecond
)

// app is one FlaskDeployment of a spec, in a namespace of its own, with what its names are.
type app struct {
	*testenv.Object
	repo  string // repository name
	param string // URI parameter name
	uri   string
}

func newApp(mutate func(*v1alpha1.FlaskDeployment)) *app {
	ns, err := env.Namespace(ctx)
	Expect(err).NotTo(HaveOccurred())
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	fd.Spec.Repository.KeepImages = 5
	fd.Spec.Tags = map[string]string{"team": "payments"}
	if mutate != nil {
		mutate(fd)
	}
	repo := testenv.ClusterName + "/" + ns + "/web"
	return &app{Object: env.Object(ctx, fd), repo: repo, param: "/flaskops/" + testenv.ClusterName + "/" + ns + "/web/repository-uri",
		uri: "123456789012.dkr.ecr." + testenv.Region + ".amazonaws.com/" + repo}
}

func (a *app) create() *app {
	a.Create()
	return a
}

func (a *app) waitReady() {
	Eventually(func(g Gomega) {
		c := a.Condition(v1alpha1.ConditionRepositoryReady)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
		g.Expect(a.Condition(v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}, timeout, poll).Should(Succeed())
}

func (a *app) ecr() *awsecr.Client { return env.Clients.ECR(testenv.Region) }
func (a *app) ssm() *ssm.Client    { return env.Clients.SSM(testenv.Region) }

func (a *app) repository() (*ecrtypes.Repository, error) {
	out, err := a.ecr().DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{a.repo}})
	if err != nil {
		return nil, err
	}
	return &out.Repositories[0], nil
}

func (a *app) policy() string {
	out, err := a.ecr().GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String(a.repo)})
	if err != nil {
		return ""
	}
	return aws.ToString(out.LifecyclePolicyText)
}

func (a *app) paramValue() string {
	out, err := a.ssm().GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(a.param)})
	if err != nil {
		return ""
	}
	return aws.ToString(out.Parameter.Value)
}

// live lists "service/type/id" of the simulator's resources that belong to this app.
func (a *app) live() []string {
	var out []string
	for _, r := range env.Sim.ListLive() {
		if strings.Contains(r.ID, a.FD.Namespace) {
			out = append(out, r.Service+"/"+r.Type+"/"+r.ID)
		}
	}
	return out
}

func (a *app) pushImages(n int) {
	for i := range n {
		_, err := a.ecr().PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String(a.repo),
			ImageManifest: aws.String(fmt.Sprintf(`{"schemaVersion":2,"app":%q,"n":%d}`, a.repo, i)), ImageTag: aws.String(fmt.Sprintf("v%d", i))})
		Expect(err).NotTo(HaveOccurred())
	}
}

// eventReasons lists the reasons of the events recorded about the app's object.
func (a *app) eventReasons() []string {
	var out []string
	for _, ev := range a.Events() {
		out = append(out, ev.Reason)
	}
	return out
}

var _ = Describe("ECR stage", func() {
	It("converges the repository, lifecycle policy and URI parameter with ownership tags, and reports them in status", func() {
		a := newApp(nil).create()
		a.waitReady()

		st := a.Get().Status.Repository
		Expect(st).To(Equal(v1alpha1.RepositoryStatus{
			Name: a.repo, ARN: "arn:aws:ecr:us-east-1:123456789012:repository/" + a.repo, URI: a.uri,
			RegistryID: "123456789012", ParameterName: a.param,
		}))
		repo, err := a.repository()
		Expect(err).NotTo(HaveOccurred())
		Expect(repo.ImageScanningConfiguration.ScanOnPush).To(BeTrue())
		Expect(repo.ImageTagMutability).To(Equal(ecrtypes.ImageTagMutabilityMutable))
		Expect(repo.EncryptionConfiguration.EncryptionType).To(Equal(ecrtypes.EncryptionTypeAes256))
		Expect(a.policy()).To(And(ContainSubstring(`"countNumber":5`), ContainSubstring(`"tagStatus":"untagged"`)))
		Expect(a.paramValue()).To(Equal(a.uri))

		owner := a.FD.Namespace + "/web"
		for _, r := range env.Sim.ListLive() {
			if r.ID == a.repo || r.ID == a.param {
				Expect(r.Tags).To(HaveKeyWithValue(cloud.TagOwner, owner), r.Type)
				Expect(r.Tags).To(HaveKeyWithValue(cloud.TagCluster, testenv.ClusterName), r.Type)
				Expect(r.Tags).To(HaveKeyWithValue(cloud.TagStage, "ecr"), r.Type)
				Expect(r.Tags).To(HaveKeyWithValue("team", "payments"), r.Type)
			}
		}
		Expect(a.live()).To(ConsistOf("ecr/repository/"+a.repo, "ssm/parameter/"+a.param))
		Eventually(a.eventReasons, timeout, poll).Should(ContainElements("CreatedRepository", "CreatedParameter"))

		By("counting images pushed by the pipeline")
		a.pushImages(4) // more than one page of DescribeImages
		Eventually(func() int32 { return a.Get().Status.Repository.ImageCount }, timeout, poll).Should(Equal(int32(4)))
	})

	It("names the repository from spec.repository.name and honours the repository settings", func() {
		f := false
		a := newApp(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Repository.Name = "team/" + fd.Namespace + "-api"
			fd.Spec.Repository.ScanOnPush = &f
			fd.Spec.Repository.ImageTagMutability = "IMMUTABLE"
			fd.Spec.Repository.Encryption = v1alpha1.EncryptionKMS
			fd.Spec.Repository.KMSKey = "1234abcd-0000"
		})
		a.repo = "team/" + a.FD.Namespace + "-api"
		a.create().waitReady()
		repo, err := a.repository()
		Expect(err).NotTo(HaveOccurred())
		Expect(repo.ImageScanningConfiguration.ScanOnPush).To(BeFalse())
		Expect(repo.ImageTagMutability).To(Equal(ecrtypes.ImageTagMutabilityImmutable))
		Expect(repo.EncryptionConfiguration.EncryptionType).To(Equal(ecrtypes.EncryptionTypeKms))
		Expect(aws.ToString(repo.EncryptionConfiguration.KmsKey)).To(HaveSuffix("/1234abcd-0000"))
		Expect(a.Get().Status.Repository.URI).To(HaveSuffix("/" + a.repo))
	})

	It("never adopts a same-named repository that is not ours, and adopts one that is", func() {
		a := newApp(nil)
		foreign, err := a.ecr().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(a.repo),
			Tags: []ecrtypes.Tag{{Key: aws.String("owner"), Value: aws.String("someone-else")}}})
		Expect(err).NotTo(HaveOccurred())
		a.create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionRepositoryReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonOwnershipConflict))
			g.Expect(c.Message).To(And(ContainSubstring(a.repo), ContainSubstring("carries no "+cloud.TagOwner+" tag")))
			g.Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, poll).Should(Succeed())
		Consistently(func() string { return a.paramValue() }, "500ms", poll).Should(BeEmpty(), "nothing is built on a foreign repository")
		Expect(a.Get().Status.Repository.ARN).To(BeEmpty())
		tags, err := a.ecr().ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: foreign.Repository.RepositoryArn})
		Expect(err).NotTo(HaveOccurred())
		Expect(tags.Tags).To(HaveLen(1), "the foreign repository is not re-tagged")

		By("tagging the repository as this cluster's and this object's: only the tags prove ownership")
		_, err = a.ecr().TagResource(ctx, &awsecr.TagResourceInput{ResourceArn: foreign.Repository.RepositoryArn,
			Tags: []ecrtypes.Tag{{Key: aws.String(cloud.TagOwner), Value: aws.String(a.FD.Namespace + "/web")},
				{Key: aws.String(cloud.TagCluster), Value: aws.String(testenv.ClusterName)}}})
		Expect(err).NotTo(HaveOccurred())
		a.Nudge()
		a.waitReady()
		Expect(a.Get().Status.Repository.ARN).To(Equal(aws.ToString(foreign.Repository.RepositoryArn)))
		Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(BeEmpty())
		tags, err = a.ecr().ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: foreign.Repository.RepositoryArn})
		Expect(err).NotTo(HaveOccurred())
		Expect(cloud.FromECR(tags.Tags)).To(And(HaveKeyWithValue(cloud.TagStage, "ecr"), HaveKeyWithValue(cloud.TagResource, "repository"),
			HaveKeyWithValue(cloud.TagUID, string(a.Get().UID)), HaveKeyWithValue("team", "payments")),
			"the adopted repository gets the rest of the ownership tags")
	})

	It("adopts its own repository after the status was lost, creating nothing new", func() {
		a := newApp(nil).create()
		a.waitReady()
		arn := a.Get().Status.Repository.ARN
		creates := env.Sim.CallCount("ecr", "CreateRepository")

		cur := a.Get()
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Status.Repository = v1alpha1.RepositoryStatus{}
		Expect(env.Client.Status().Patch(ctx, cur, patch)).To(Succeed())
		a.Nudge()
		Eventually(func() string { return a.Get().Status.Repository.ARN }, timeout, poll).Should(Equal(arn))
		a.waitReady()
		Expect(env.Sim.CallCount("ecr", "CreateRepository")).To(Equal(creates))
		Expect(a.live()).To(ConsistOf("ecr/repository/"+a.repo, "ssm/parameter/"+a.param))
	})

	Describe("drift", func() {
		var a *app
		BeforeEach(func() {
			a = newApp(nil).create()
			a.waitReady()
		})

		// repaired waits for AWS to be back as specified and for the repair to be reported.
		repaired := func(check func() bool, entry, event string) {
			sawEntry := false
			Eventually(func(g Gomega) {
				for _, d := range a.Get().Status.Drift {
					if strings.HasPrefix(d, "ecr: ") && strings.Contains(d, entry) {
						sawEntry = true
					}
				}
				g.Expect(sawEntry).To(BeTrue(), "status.drift reports %q", entry)
				g.Expect(check()).To(BeTrue(), "AWS is repaired")
			}, timeout, 20*time.Millisecond).Should(Succeed())
			Eventually(a.EventNotes, timeout, poll).Should(ContainElement(HavePrefix(event)))
		}

		It("turns scan-on-push back on", func() {
			_, err := a.ecr().PutImageScanningConfiguration(ctx, &awsecr.PutImageScanningConfigurationInput{RepositoryName: aws.String(a.repo),
				ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: false}})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool {
				r, err := a.repository()
				return err == nil && r.ImageScanningConfiguration.ScanOnPush
			}, "scanOnPush was false", "RepairedDrift: Repaired drift: repository "+a.repo+" scanOnPush was false")
		})

		It("puts tag mutability back", func() {
			_, err := a.ecr().PutImageTagMutability(ctx, &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String(a.repo),
				ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool {
				r, err := a.repository()
				return err == nil && r.ImageTagMutability == ecrtypes.ImageTagMutabilityMutable
			}, "imageTagMutability was IMMUTABLE", "RepairedDrift: Repaired drift: repository "+a.repo+" imageTagMutability was IMMUTABLE")
		})

		It("puts a deleted lifecycle policy back", func() {
			_, err := a.ecr().DeleteLifecyclePolicy(ctx, &awsecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String(a.repo)})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool { return strings.Contains(a.policy(), `"countNumber":5`) }, "lifecycle policy of repository "+a.repo+" was missing", "RepairedDrift: Repaired drift: lifecycle policy of repository "+a.repo+" was missing")
		})

		It("restores an edited lifecycle policy", func() {
			_, err := a.ecr().PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: aws.String(a.repo), LifecyclePolicyText: aws.String(
				`{"rules":[{"rulePriority":1,"description":"hand edited","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":999},"action":{"type":"expire"}}]}`)})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool { return strings.Contains(a.policy(), `"countNumber":5}`) }, "differed from the spec", "RepairedDrift: Repaired drift: lifecycle policy of repository "+a.repo+" differed")
		})

		It("stalls on its repository whose owner tag was removed, never re-tags it, and leaves it in place on delete", func() {
			arn := a.Get().Status.Repository.ARN
			ownerTag := func() string {
				out, err := a.ecr().ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
				Expect(err).NotTo(HaveOccurred())
				return cloud.FromECR(out.Tags)[cloud.TagOwner]
			}
			_, err := a.ecr().UntagResource(ctx, &awsecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{cloud.TagOwner}})
			Expect(err).NotTo(HaveOccurred())
			a.Nudge()
			Eventually(func(g Gomega) {
				c := a.Condition(v1alpha1.ConditionRepositoryReady)
				g.Expect(c.Reason).To(Equal(v1alpha1.ReasonOwnershipConflict))
				g.Expect(c.Message).To(And(ContainSubstring(a.repo), ContainSubstring("carries no "+cloud.TagOwner+" tag")))
				g.Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
			}, timeout, poll).Should(Succeed())
			Consistently(ownerTag, "300ms", poll).Should(BeEmpty(), "the operator does not re-tag what it cannot prove its own")

			a.DeleteAndWait()
			Expect(a.live()).To(ConsistOf("ecr/repository/"+a.repo), "the parameter, still ours, is deleted; the repository is left")
		})

		It("re-creates a deleted URI parameter", func() {
			_, err := a.ssm().DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(a.param)})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool { return a.paramValue() == a.uri }, "was deleted outside the operator", "CreatedParameter: Created SSM parameter "+a.param)
		})

		It("restores an overwritten URI parameter", func() {
			_, err := a.ssm().PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(a.param), Value: aws.String("example.com/not-ours"),
				Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)})
			Expect(err).NotTo(HaveOccurred())
			repaired(func() bool { return a.paramValue() == a.uri }, "example.com/not-ours", "RepairedDrift: Repaired drift: parameter "+a.param)
		})
	})

	It("refuses an encryption change at admission, before AWS is asked", func() {
		a := newApp(nil).create()
		a.waitReady()
		cur := a.Get()
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.Repository.Encryption = v1alpha1.EncryptionKMS
		err := env.Client.Patch(ctx, cur, patch)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(And(ContainSubstring("spec.repository.encryption"), ContainSubstring("immutable")))
		Expect(a.Get().Spec.Repository.Encryption).To(Equal(v1alpha1.EncryptionAES256))
	})

	It("stalls when it finds its repository encrypted otherwise than the spec says", func() {
		a := newApp(nil)
		// Ours (the owner tag) but made by hand with KMS: adopting it must not pretend it is AES256.
		_, err := a.ecr().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(a.repo),
			EncryptionConfiguration: &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms},
			Tags: []ecrtypes.Tag{{Key: aws.String(cloud.TagOwner), Value: aws.String(a.FD.Namespace + "/web")},
				{Key: aws.String(cloud.TagCluster), Value: aws.String(testenv.ClusterName)}}})
		Expect(err).NotTo(HaveOccurred())
		a.create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionRepositoryReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonImmutableField))
			g.Expect(c.Message).To(And(ContainSubstring("encrypted with KMS"), ContainSubstring("cannot change a repository's encryption")))
			g.Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, poll).Should(Succeed())
		r, err := a.repository()
		Expect(err).NotTo(HaveOccurred())
		Expect(r.EncryptionConfiguration.EncryptionType).To(Equal(ecrtypes.EncryptionTypeKms), "the repository is not touched")
	})

	It("only reads under managementPolicy Observe", func() {
		a := newApp(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve }).create()
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionRepositoryReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonObserved))
			g.Expect(c.Message).To(ContainSubstring("missing repository " + a.repo))
		}, timeout, poll).Should(Succeed())
		Expect(a.live()).To(BeEmpty())

		By("observing a repository that exists and differs from the spec")
		_, err := a.ecr().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(a.repo),
			ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable})
		Expect(err).NotTo(HaveOccurred())
		a.pushImages(2)
		a.Nudge()
		Eventually(func(g Gomega) {
			fd := a.Get()
			g.Expect(fd.Status.Repository.URI).To(Equal(a.uri))
			g.Expect(fd.Status.Repository.ImageCount).To(Equal(int32(2)))
			g.Expect(strings.Join(fd.Status.Drift, "\n")).To(And(ContainSubstring("imageTagMutability is IMMUTABLE"), ContainSubstring("not repaired")))
		}, timeout, poll).Should(Succeed())
		r, err := a.repository()
		Expect(err).NotTo(HaveOccurred())
		Expect(r.ImageTagMutability).To(Equal(ecrtypes.ImageTagMutabilityImmutable))
		Expect(a.policy()).To(BeEmpty())
		Expect(a.paramValue()).To(BeEmpty())

		By("leaving AWS alone on delete")
		a.DeleteAndWait()
		_, err = a.repository()
		Expect(err).NotTo(HaveOccurred())
	})

	It("never takes over a foreign repository it observed once the object may write, nor deletes it", func() {
		a := newApp(func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.Repository.Name = "shared/" + fd.Namespace
			fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		})
		a.repo = a.FD.Spec.Repository.Name
		foreignTags := []ecrtypes.Tag{{Key: aws.String(cloud.TagCluster), Value: aws.String(testenv.ClusterName)},
			{Key: aws.String(cloud.TagOwner), Value: aws.String("billing/api")}}
		foreign, err := a.ecr().CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(a.repo), Tags: foreignTags})
		Expect(err).NotTo(HaveOccurred())
		a.create()
		Eventually(func(g Gomega) {
			fd := a.Get()
			g.Expect(fd.Status.Repository.ARN).To(Equal(aws.ToString(foreign.Repository.RepositoryArn)))
			g.Expect(strings.Join(fd.Status.Drift, "\n")).To(ContainSubstring(`"billing/api"`))
		}, timeout, poll).Should(Succeed())

		a.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull })
		Eventually(func(g Gomega) {
			c := a.Condition(v1alpha1.ConditionRepositoryReady)
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonOwnershipConflict))
			g.Expect(c.Message).To(And(ContainSubstring(a.repo), ContainSubstring(`"billing/api"`)))
			g.Expect(a.Condition(v1alpha1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(a.Get().Status.Repository.ARN).To(BeEmpty())
		}, timeout, poll).Should(Succeed())
		Expect(a.policy()).To(BeEmpty())
		Expect(a.paramValue()).To(BeEmpty())

		a.DeleteAndWait()
		tags, err := a.ecr().ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: foreign.Repository.RepositoryArn})
		Expect(err).NotTo(HaveOccurred(), "the foreign repository is still there")
		Expect(cloud.FromECR(tags.Tags)).To(Equal(cloud.FromECR(foreignTags)))
	})

	It("deletes the repository with its images and the parameter under deletionPolicy Delete", func() {
		a := newApp(nil).create()
		a.waitReady()
		a.pushImages(3)
		Eventually(func() int32 { return a.Get().Status.Repository.ImageCount }, timeout, poll).Should(Equal(int32(3)))
		Expect(a.live()).To(HaveLen(5)) // repository, parameter, 3 images

		a.DeleteAndWait()
		Expect(a.live()).To(BeEmpty())
		Eventually(a.eventReasons, timeout, poll).Should(ContainElements("DeletedRepository", "DeletedParameter"))
	})

	It("leaves everything in place under deletionPolicy Retain", func() {
		a := newApp(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain }).create()
		a.waitReady()
		a.pushImages(1)
		a.DeleteAndWait()
		Expect(a.live()).To(ConsistOf("ecr/repository/"+a.repo, "ssm/parameter/"+a.param, HavePrefix("ecr/image/"+a.repo+"@")))
		Expect(a.paramValue()).To(Equal(a.uri))
	})
})
