package cicd_test

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/cicd"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// What the envtest specs share: objects whose pipeline builds a repository of ghOwner,
// and what the simulator holds of them.

// allCICD is the inventory of a converged pipeline.
var allCICD = map[string]int{"s3/bucket": 1, "logs/log-group": 1, "iam/role": 2, "codebuild/project": 1, "codepipeline/pipeline": 1}

// newConnection creates a CodeStar connection to GitHub for the objects of namespace ns;
// it starts PENDING.
func newConnection(name, ns string) string {
	arn, err := env.Connection(ctx, name, ns)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return arn
}

// deleteConnection deletes a connection the spec created, if it is still there.
func deleteConnection(arn string) {
	_, err := env.Clients.Connections(testenv.Region).DeleteConnection(ctx, &codestarconnections.DeleteConnectionInput{ConnectionArn: aws.String(arn)})
	if !cloud.IsNotFound(err) {
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
	}
}

// newPipelineObject is a FlaskDeployment named web in a fresh namespace whose pipeline
// builds ghOwner/repo; the caller picks how its source authenticates, knowing the namespace.
func newPipelineObject(repo string, source func(ns string, s *v1alpha1.GitHubSource)) *testenv.Object {
	ns, err := env.Namespace(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	fd.Spec.Pipeline = &v1alpha1.PipelineSpec{Source: v1alpha1.GitHubSource{Owner: ghOwner, Repo: repo}}
	source(ns, &fd.Spec.Pipeline.Source)
	return env.Object(ctx, fd)
}

// pushAndWaitDeployed pushes commit c to ghOwner/repo once the pipeline exists, and waits
// until the object is Ready with c deployed.
func pushAndWaitDeployed(o *testenv.Object, repo, c string) {
	EventuallyWithOffset(1, func(g Gomega) {
		pr := o.Condition(v1alpha1.ConditionPipelineReady)
		g.Expect(pr.Status).To(Equal(metav1.ConditionTrue), "%s: %s", pr.Reason, pr.Message)
	}).Should(Succeed())
	_, err := env.Sim.PushGitHub(ghOwner, repo, "main", c, false)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	EventuallyWithOffset(1, func(g Gomega) {
		cur := o.Get()
		ready := meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), "%s: %s", ready.Reason, ready.Message)
		g.Expect(cur.Status.DeployedRevision).NotTo(BeNil())
		g.Expect(cur.Status.DeployedRevision.Commit).To(Equal(c))
	}).Should(Succeed())
}

// cicdInventory counts, by "service/type", the live resources whose tags prove them fd's
// and the cicd stage's.
func cicdInventory(fd *v1alpha1.FlaskDeployment) map[string]int {
	owner := cloud.NewOwner(testenv.ClusterName, fd)
	out := map[string]int{}
	for _, r := range env.Sim.ListLive() {
		if owner.Owns(r.Tags) && r.Tags[cloud.TagStage] == cicd.Name {
			out[r.Service+"/"+r.Type]++
		}
	}
	return out
}

// countEvents counts the occurrences of events of reason about the object whose note says
// note. Events about one version of the object with the same reason fold into a series.
func countEvents(o *testenv.Object, reason, note string) int {
	n := 0
	for _, e := range o.Events() {
		if e.Reason == reason && strings.Contains(e.Note, note) {
			n++
			if e.Series != nil {
				n += int(e.Series.Count) - 1
			}
		}
	}
	return n
}

func hasEvent(o *testenv.Object, reason, note string) bool { return countEvents(o, reason, note) > 0 }

// cleanUp deletes the object if a failed spec left it, and waits until it is gone.
func cleanUp(o *testenv.Object) {
	err := env.Client.Get(ctx, client.ObjectKeyFromObject(o.FD), &v1alpha1.FlaskDeployment{})
	if apierrors.IsNotFound(err) {
		return
	}
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	o.DeleteAndWait()
}
