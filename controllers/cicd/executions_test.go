package cicd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

func (r *rig) latest(fd *v1alpha1.FlaskDeployment) v1alpha1.PipelineExecution {
	if e := fd.Status.Pipeline.LatestExecution; e != nil {
		return *e
	}
	return v1alpha1.PipelineExecution{}
}

// From a pending connection to a deployed commit: approve the handshake, push, and the
// execution the push started builds the commit, pushes its image and deploys it; status
// says which commit runs. A broken commit fails its build: one Warning names it, and the
// commit before it stays the deployed revision.
func TestPushBuildsAndDeploysTheCommit(t *testing.T) {
	r := newRig(t)
	conn := r.connection("github")
	fd := newFD(tenant, "shop", conn)
	r.inputs(fd)
	r.converge(fd)
	if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady); c == nil || c.Reason != v1alpha1.ReasonPendingHandshake {
		t.Fatalf("before the handshake: %+v", c)
	}
	// The execution CreatePipeline started cannot read the source yet.
	r.until(fd, "saw the first execution fail", func() bool { return r.latest(fd).Status == "Failed" })
	if e := r.latest(fd); !strings.Contains(e.FailureMessage, "AVAILABLE") || e.SourceCommit != "" {
		t.Fatalf("first execution %+v", e)
	}
	if fd.Status.DeployedRevision != nil {
		t.Fatalf("deployed revision %+v before any execution succeeded", fd.Status.DeployedRevision)
	}
	r.eventsWith() // drop the events so far

	if err := r.sim.ApproveConnection(conn); err != nil {
		t.Fatal(err)
	}
	good := commit(1)
	r.push(good, false)
	r.until(fd, "deployed the pushed commit", func() bool { return r.latest(fd).Status == "Succeeded" })
	e := r.latest(fd)
	dr := fd.Status.DeployedRevision
	if e.SourceCommit != good || e.StartTime == nil || e.FailureMessage != "" {
		t.Fatalf("latest execution %+v", e)
	}
	if dr == nil || dr.Commit != good || dr.PipelineExecutionID != e.ID || dr.Image != fd.Status.Repository.URI+":"+good[:7] ||
		!strings.Contains(dr.TaskDefinitionARN, ":task-definition/") {
		t.Fatalf("deployed revision %+v after execution %+v", dr, e)
	}
	if !meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady) {
		t.Fatal("the approved connection is not ready")
	}
	if n := len(r.eventsWith("DeployedCommit", good[:7])); n != 1 {
		t.Fatalf("%d events about the deployed commit, want 1", n)
	}

	bad := commit(2)
	r.push(bad, true)
	r.until(fd, "saw the broken commit fail", func() bool { return r.latest(fd).Status == "Failed" })
	e = r.latest(fd)
	if e.SourceCommit != bad || e.FailureMessage == "" {
		t.Fatalf("failed execution %+v", e)
	}
	r.mustPass(fd)
	r.mustPass(fd)
	if n := len(r.eventsWith("Warning", v1alpha1.ReasonExecutionFailed, bad[:7])); n != 1 {
		t.Fatalf("%d Warnings naming the broken commit over three passes, want 1", n)
	}
	if fd.Status.DeployedRevision.Commit != good || fd.Status.DeployedRevision.Image != dr.Image {
		t.Fatalf("after a failed build the deployed revision is %+v, want commit %s still", fd.Status.DeployedRevision, good)
	}
}

// A GitHub version 1 source takes its token from the Secret, read through the injected
// reader; the token reaches AWS and nothing else. A rotated token reaches the pipeline at
// the next pass; a missing Secret is terminal.
func TestGitHubTokenSource(t *testing.T) {
	r := newRig(t)
	fd := withToken(newFD(tenant, "shop", ""))
	r.inputs(fd)
	_, err := r.pass(fd)
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonSecretNotFound || !strings.Contains(err.Error(), "gh-token") {
		t.Fatalf("without the Secret: %v", err)
	}

	const token, rotated = "ghp_firsttoken0123456789", "ghp_secondtoken987654321"
	r.setSecret("team-a", "gh-token", "token", token+"\n")
	if err := r.sim.RegisterGitHubToken(ghOwner, ghRepo, token); err != nil {
		t.Fatal(err)
	}
	r.converge(fd)
	d := r.pipeline(fd.Status.Pipeline.PipelineName)
	if src := d.Stages[0].Actions[0]; aws.ToString(src.ActionTypeId.Provider) != "GitHub" || src.Configuration["Owner"] != ghOwner ||
		src.Configuration["Repo"] != ghRepo || src.Configuration["Branch"] != "main" || src.Configuration["OAuthToken"] != "****" || len(d.Triggers) != 0 {
		t.Fatalf("source %+v, triggers %+v", src, d.Triggers)
	}
	if meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady) != nil {
		t.Fatal("SourceConnectionReady without a connection")
	}
	r.push(commit(1), false)
	r.until(fd, "deployed with the token", func() bool { return r.latest(fd).Status == "Succeeded" && r.latest(fd).SourceCommit == commit(1) })

	// A converged pass reads the Secret but sends nothing.
	updates := r.sim.CallCount("codepipeline", "UpdatePipeline")
	r.mustPass(fd)
	if r.sim.CallCount("codepipeline", "UpdatePipeline") != updates {
		t.Fatal("a pass with the same token updated the pipeline")
	}

	r.setSecret("team-a", "gh-token", "token", rotated)
	if err := r.sim.RegisterGitHubToken(ghOwner, ghRepo, rotated); err != nil {
		t.Fatal(err)
	}
	r.mustPass(fd)
	if r.sim.CallCount("codepipeline", "UpdatePipeline") != updates+1 {
		t.Fatal("a rotated token did not reach the pipeline")
	}
	r.push(commit(2), false)
	r.until(fd, "deployed with the rotated token", func() bool { return r.latest(fd).Status == "Succeeded" && r.latest(fd).SourceCommit == commit(2) })

	status, _ := json.Marshal(fd.Status)
	events := strings.Join(r.eventsWith(), "\n")
	for _, tok := range []string{token, rotated} {
		if strings.Contains(string(status), tok) || strings.Contains(events, tok) {
			t.Fatalf("the token is in the status or an event")
		}
	}
}
