package cicd_test

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// A GitHub version 1 source, its token in a Secret the operator reads but never watches:
// a Ready pass is looked at again at the stage's token interval (capped by the test
// environment), which is how a rotated token reaches the pipeline. The object is kept at
// the end with deletionPolicy Retain.
var _ = Describe("A GitHub version 1 source, through the reconciler", Ordered, func() {
	const (
		repo        = "legacy"
		secretName  = "gh-token"
		firstToken  = "ghp_FirstLegacyToken0123456789abcdefABCD"
		secondToken = "ghp_SecondLegacyToken123456789abcdefABCD"
	)
	var (
		o      *testenv.Object
		secret *corev1.Secret
	)

	BeforeAll(func() {
		o = newPipelineObject(repo, func(_ string, s *v1alpha1.GitHubSource) {
			s.OAuthTokenSecretRef = &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secretName}, Key: "token"}
		})
		secret = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: o.FD.Namespace}}
	})

	AfterAll(func() {
		if o != nil {
			cleanUp(o)
		}
	})

	It("stalls naming a missing Secret, then builds each push with the token it holds and never shows it", func() {
		o.Create()
		Eventually(func(g Gomega) {
			st := o.Condition(v1alpha1.ConditionStalled)
			g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(st.Reason).To(Equal(v1alpha1.ReasonSecretNotFound))
			g.Expect(st.Message).To(ContainSubstring(o.FD.Namespace + "/" + secretName))
			g.Expect(o.Condition(v1alpha1.ConditionPipelineReady).Reason).To(Equal(v1alpha1.ReasonSecretNotFound))
		}).Should(Succeed())
		Eventually(func() bool { return hasEvent(o, "Stalled", o.FD.Namespace+"/"+secretName) }).Should(BeTrue())

		By("creating the Secret with a token GitHub accepts")
		Expect(env.Sim.RegisterGitHubToken(ghOwner, repo, firstToken)).To(Succeed())
		secret.StringData = map[string]string{"token": firstToken}
		Expect(env.Client.Create(ctx, secret)).To(Succeed())
		pushAndWaitDeployed(o, repo, commit(31))
		Expect(o.Condition(v1alpha1.ConditionStalled).Status).To(BeEmpty(), "Stalled is gone")
		out, err := env.Clients.CodePipeline(testenv.Region).GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(o.Get().Status.Pipeline.PipelineName)})
		Expect(err).NotTo(HaveOccurred())
		Expect(out.Pipeline.Stages[0].Actions[0].Configuration).To(HaveKeyWithValue("OAuthToken", "****"))
		expectTokenHidden(o, firstToken)
	})

	It("gives the pipeline a rotated token", func() {
		digest := o.Get().Status.Pipeline.OAuthTokenDigest
		Expect(digest).NotTo(BeEmpty())

		By("rotating the Secret to a token GitHub does not accept yet: the pipeline has it when a push fails")
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
		secret.Data = map[string][]byte{"token": []byte(secondToken)}
		Expect(env.Client.Update(ctx, secret)).To(Succeed())
		Eventually(func() string { return o.Get().Status.Pipeline.OAuthTokenDigest }).ShouldNot(Equal(digest))
		Eventually(func() bool { return hasEvent(o, "UpdatedPipeline", "GitHub token now in Secret "+secretName) }).Should(BeTrue())
		started, err := env.Sim.PushGitHub(ghOwner, repo, "main", commit(32), false)
		Expect(err).NotTo(HaveOccurred())
		Expect(started).To(HaveLen(1))
		Eventually(func(g Gomega) {
			e := o.Get().Status.Pipeline.LatestExecution
			g.Expect(e).NotTo(BeNil())
			g.Expect(e.ID).To(Equal(started[0].ExecutionID))
			g.Expect(e.Status).To(Equal("Failed"))
			g.Expect(e.FailureMessage).To(ContainSubstring("access token"))
		}).Should(Succeed())
		Expect(o.Get().Status.DeployedRevision.Commit).To(Equal(commit(31)), "the last good commit stays deployed")

		By("registering the new token: the next push is built and deployed")
		Expect(env.Sim.RegisterGitHubToken(ghOwner, repo, secondToken)).To(Succeed())
		pushAndWaitDeployed(o, repo, commit(33))
		expectTokenHidden(o, firstToken)
		expectTokenHidden(o, secondToken)
	})

	It("keeps every CI/CD resource after the object is deleted with deletionPolicy Retain", func() {
		// What Retain leaves behind is nobody's to delete: the simulator is reset after.
		DeferCleanup(env.ResetAWS, ctx)
		o.Update(func(fd *v1alpha1.FlaskDeployment) { fd.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain })
		fd := o.Get()
		Expect(cicdInventory(fd)).To(Equal(allCICD))
		o.DeleteAndWait()
		Expect(cicdInventory(fd)).To(Equal(allCICD))
		_, err := env.Clients.CodePipeline(testenv.Region).GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String(fd.Status.Pipeline.PipelineName)})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() bool { return hasEvent(o, v1alpha1.ReasonRetained, "deletionPolicy Retain") }).Should(BeTrue())
	})
})

// expectTokenHidden checks that the object as the API server holds it (status included)
// and the events about it do not contain token.
func expectTokenHidden(o *testenv.Object, token string) {
	GinkgoHelper()
	y, err := yaml.Marshal(o.Get())
	Expect(err).NotTo(HaveOccurred())
	Expect(string(y)).NotTo(ContainSubstring(token))
	for _, note := range o.EventNotes() {
		Expect(note).NotTo(ContainSubstring(token))
	}
}
