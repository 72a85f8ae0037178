package ecr_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// stageEnv runs the stage directly (no Kubernetes) against an in-process simulator.
type stageEnv struct {
	t        *testing.T
	sim      *awssim.Sim
	clients  *cloud.Clients
	stage    *ecr.Stage
	recorder *events.FakeRecorder
	ecr      *awsecr.Client
	ssm      *ssm.Client
}

// The names of newFD's resources under the manager of cluster.
const (
	cluster  = "test"
	region   = "us-east-1"
	repoName = "test/shop/web"
	repoARN  = "arn:aws:ecr:us-east-1:123456789012:repository/" + repoName
	param    = "/flaskops/test/shop/web/repository-uri"
	repoURI  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + repoName
)

func newStageEnv(t *testing.T) *stageEnv {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &stageEnv{t: t, sim: sim, clients: cloud.NewClients(testenv.SimConfig(srv.URL)), recorder: events.NewFakeRecorder(100)}
	e.stage = e.newStage(cluster)
	e.ecr, e.ssm = e.clients.ECR(region), e.clients.SSM(region)
	return e
}

// newStage is the stage of the manager of another cluster, sharing the simulator.
func (e *stageEnv) newStage(cluster string) *ecr.Stage {
	return ecr.New(func(r string) cloud.ECRAPI { return e.clients.ECR(r) },
		func(r string) cloud.SSMAPI { return e.clients.SSM(r) }, e.recorder, cluster)
}

func newFD() *v1alpha1.FlaskDeployment {
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "uid-1"}}
	fd.Spec.Region = region
	fd.Spec.Repository.KeepImages = 5
	fd.Spec.Tags = map[string]string{"team": "payments"}
	return fd
}

func (e *stageEnv) reconcile(fd *v1alpha1.FlaskDeployment) stage.Result {
	e.t.Helper()
	return e.reconcileWith(e.stage, fd)
}

func (e *stageEnv) reconcileWith(s *ecr.Stage, fd *v1alpha1.FlaskDeployment) stage.Result {
	e.t.Helper()
	res, err := s.Reconcile(context.Background(), fd)
	if err != nil {
		e.t.Fatalf("Reconcile: %v", err)
	}
	stagetest.RecordCondition(fd, v1alpha1.ConditionRepositoryReady, res)
	return res
}

func (e *stageEnv) repository(name string) *ecrtypes.Repository {
	e.t.Helper()
	out, err := e.ecr.DescribeRepositories(context.Background(), &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if err != nil {
		e.t.Fatalf("describe repository %s: %v", name, err)
	}
	return &out.Repositories[0]
}

func (e *stageEnv) describe() *ecrtypes.Repository { return e.repository(repoName) }

func (e *stageEnv) repositoryTags(name string) map[string]string {
	e.t.Helper()
	out, err := e.ecr.ListTagsForResource(context.Background(), &awsecr.ListTagsForResourceInput{ResourceArn: e.repository(name).RepositoryArn})
	if err != nil {
		e.t.Fatalf("list tags of repository %s: %v", name, err)
	}
	return cloud.FromECR(out.Tags)
}

func (e *stageEnv) parameterTags(name string) map[string]string {
	e.t.Helper()
	out, err := e.ssm.ListTagsForResource(context.Background(), &ssm.ListTagsForResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)})
	if err != nil {
		e.t.Fatalf("list tags of parameter %s: %v", name, err)
	}
	return cloud.FromSSM(out.TagList)
}

func (e *stageEnv) policyOf(name string) string {
	e.t.Helper()
	out, err := e.ecr.GetLifecyclePolicy(context.Background(), &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String(name)})
	if cloud.IsNotFound(err) {
		return ""
	}
	if err != nil {
		e.t.Fatalf("get lifecycle policy: %v", err)
	}
	return aws.ToString(out.LifecyclePolicyText)
}

func (e *stageEnv) policy() string { return e.policyOf(repoName) }

func (e *stageEnv) valueOf(name string) string {
	e.t.Helper()
	out, err := e.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
	if cloud.IsNotFound(err) {
		return ""
	}
	if err != nil {
		e.t.Fatalf("get parameter: %v", err)
	}
	return aws.ToString(out.Parameter.Value)
}

func (e *stageEnv) paramValue() string { return e.valueOf(param) }

// live lists "service/type/id" of every live resource.
func (e *stageEnv) live() []string {
	var out []string
	for _, r := range e.sim.ListLive() {
		out = append(out, r.Service+"/"+r.Type+"/"+r.ID)
	}
	return out
}

// writesSince lists the calls AWS received since the counts in before that may change
// something: every operation but Describe*, Get* and List*.
func (e *stageEnv) writesSince(before map[string]int) []string {
	var out []string
	for op, n := range e.sim.Calls() {
		name := op[strings.Index(op, ":")+1:]
		if n > before[op] && !strings.HasPrefix(name, "Describe") && !strings.HasPrefix(name, "Get") && !strings.HasPrefix(name, "List") {
			out = append(out, op)
		}
	}
	slices.Sort(out)
	return out
}

// events drains the recorded events.
func (e *stageEnv) events() []string { return stagetest.Events(e.recorder) }

func (e *stageEnv) pushImages(n int) {
	e.t.Helper()
	for i := range n {
		_, err := e.ecr.PutImage(context.Background(), &awsecr.PutImageInput{RepositoryName: aws.String(repoName),
			ImageManifest: aws.String(fmt.Sprintf(`{"schemaVersion":2,"n":%d}`, i)), ImageTag: aws.String(fmt.Sprintf("v%d", i))})
		if err != nil {
			e.t.Fatalf("push image: %v", err)
		}
	}
}

// ownershipConflict fails unless err is a terminal OwnershipConflict naming all of want.
func ownershipConflict(t *testing.T, err error, want ...string) {
	t.Helper()
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict {
		t.Fatalf("error %v, want terminal %s", err, v1alpha1.ReasonOwnershipConflict)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not name %q", err, w)
		}
	}
}

func ecrTags(tags map[string]string) []ecrtypes.Tag { return cloud.ToECR(tags) }

func TestStageCreatesEverythingOnceWithOwnershipTags(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	res := e.reconcile(fd)
	if !res.Done || res.Reason != v1alpha1.ReasonReady {
		t.Fatalf("result %+v", res)
	}
	st := fd.Status.Repository
	want := v1alpha1.RepositoryStatus{Name: repoName, ARN: repoARN, URI: repoURI, RegistryID: "123456789012", ParameterName: param}
	if st != want {
		t.Fatalf("status %+v, want %+v", st, want)
	}
	repo := e.describe()
	if !repo.ImageScanningConfiguration.ScanOnPush || repo.ImageTagMutability != ecrtypes.ImageTagMutabilityMutable ||
		repo.EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeAes256 {
		t.Fatalf("repository settings %+v %v %+v", repo.ImageScanningConfiguration, repo.ImageTagMutability, repo.EncryptionConfiguration)
	}
	if !strings.Contains(e.policy(), `"countNumber":5`) {
		t.Fatalf("lifecycle policy %s", e.policy())
	}
	if v := e.paramValue(); v != repoURI {
		t.Fatalf("parameter value %q", v)
	}
	for _, r := range e.sim.ListLive() {
		if r.Tags[cloud.TagCluster] != cluster || r.Tags[cloud.TagOwner] != "shop/web" || r.Tags[cloud.TagStage] != "ecr" ||
			r.Tags[cloud.TagUID] != "uid-1" || r.Tags["team"] != "payments" {
			t.Fatalf("%s %s tags %v", r.Type, r.ID, r.Tags)
		}
	}
	evs := e.events()
	for _, want := range []string{"Normal CreatedRepository Created ECR repository " + repoName,
		"Normal CreatedLifecyclePolicy Created lifecycle policy of ECR repository " + repoName,
		"Normal CreatedParameter Created SSM parameter " + param} {
		if !slices.Contains(evs, want) {
			t.Fatalf("events %q, want %q", evs, want)
		}
	}

	// A second pass changes nothing and finds no drift.
	before := e.sim.Calls()
	e.reconcile(fd)
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("second pass wrote %v", w)
	}
	if len(fd.Status.Drift) != 0 || len(e.events()) != 0 {
		t.Fatalf("second pass: drift %v", fd.Status.Drift)
	}
}

// Only the tags prove ownership: a lost status is found again by name and tags, and a
// restored object (new UID) keeps what carries a UID its status recorded.
func TestStageFindsItsOwnRepositoryAfterLostStatus(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)

	fd.Status = v1alpha1.FlaskDeploymentStatus{}
	if res := e.reconcile(fd); !res.Done || fd.Status.Repository.ARN != repoARN || fd.Status.Repository.ParameterName != param {
		t.Fatalf("after lost status: %+v %+v", res, fd.Status.Repository)
	}

	fd.Status = v1alpha1.FlaskDeploymentStatus{OwnerUIDs: []string{"uid-1"}}
	fd.UID = "uid-2"
	if res := e.reconcile(fd); !res.Done || fd.Status.Repository.ARN != repoARN {
		t.Fatalf("restored object: %+v %+v", res, fd.Status.Repository)
	}
	if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 {
		t.Fatalf("CreateRepository called %d times", n)
	}
	for _, tags := range []map[string]string{e.repositoryTags(repoName), e.parameterTags(param)} {
		if tags[cloud.TagUID] != "uid-2" {
			t.Fatalf("uid tag not moved to the restored object's: %v", tags)
		}
	}
}

// A same-named object re-created without its old status does not inherit the stale
// leftovers of the first one: their uid tag is not its own.
func TestStageDoesNotAdoptTheLeftoversOfAnEarlierObject(t *testing.T) {
	e := newStageEnv(t)
	e.reconcile(newFD())
	fd := newFD()
	fd.UID = "uid-2"
	before := e.sim.Calls()
	_, err := e.stage.Reconcile(context.Background(), fd)
	ownershipConflict(t, err, repoARN, "uid-1")
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("wrote %v to an earlier object's repository", w)
	}
}

func TestStageNeverHijacksAForeignRepository(t *testing.T) {
	for name, tt := range map[string]struct {
		tags  map[string]string
		owner string // what the message says about the owner tag
	}{
		"untagged":         {owner: "carries no " + cloud.TagOwner + " tag"},
		"another object":   {tags: map[string]string{cloud.TagCluster: cluster, cloud.TagOwner: "shop/other"}, owner: `"shop/other"`},
		"another cluster":  {tags: map[string]string{cloud.TagCluster: "east", cloud.TagOwner: "shop/web"}, owner: `cluster "east"`},
		"no cluster tag":   {tags: map[string]string{cloud.TagOwner: "shop/web"}, owner: `"shop/web"`},
		"someone's labels": {tags: map[string]string{"owner": "someone-else"}, owner: "carries no " + cloud.TagOwner + " tag"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newStageEnv(t)
			if _, err := e.ecr.CreateRepository(context.Background(), &awsecr.CreateRepositoryInput{RepositoryName: aws.String(repoName),
				ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable, Tags: ecrTags(tt.tags)}); err != nil {
				t.Fatal(err)
			}
			fd := newFD()
			before := e.sim.Calls()
			_, err := e.stage.Reconcile(context.Background(), fd)
			ownershipConflict(t, err, repoName, tt.owner)
			if w := e.writesSince(before); len(w) != 0 {
				t.Fatalf("wrote %v to a foreign repository", w)
			}
			if fd.Status.Repository != (v1alpha1.RepositoryStatus{}) {
				t.Fatalf("foreign repository recorded in status: %+v", fd.Status.Repository)
			}
			if tags := e.repositoryTags(repoName); !maps.Equal(tags, tt.tags) {
				t.Fatalf("foreign repository re-tagged: %v", tags)
			}
			// Delete does not touch it either.
			before = e.sim.Calls()
			if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done || !strings.Contains(res.Message, "left in place") {
				t.Fatalf("delete: %+v %v", res, err)
			}
			if w := e.writesSince(before); len(w) != 0 || !slices.Equal(e.live(), []string{"ecr/repository/" + repoName}) {
				t.Fatalf("delete wrote %v; live %v", w, e.live())
			}
		})
	}
}

// A repository read under managementPolicy Observe is recorded in status, but that proves
// nothing: once the object may write, the tags are checked again before any write.
func TestStageObserveThenFullNeverTakesOverAForeignRepository(t *testing.T) {
	e := newStageEnv(t)
	foreign := map[string]string{cloud.TagCluster: cluster, cloud.TagOwner: "billing/api", cloud.TagStage: "ecr"}
	if _, err := e.ecr.CreateRepository(context.Background(), &awsecr.CreateRepositoryInput{RepositoryName: aws.String("team/app"),
		ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable, Tags: ecrTags(foreign)}); err != nil {
		t.Fatal(err)
	}
	fd := newFD()
	fd.Spec.Repository.Name = "team/app"
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	before := e.sim.Calls()
	res := e.reconcile(fd)
	if res.Reason != v1alpha1.ReasonObserved || fd.Status.Repository.Name != "team/app" || fd.Status.Repository.ARN == "" {
		t.Fatalf("observe: %+v, status %+v", res, fd.Status.Repository)
	}
	if !slices.ContainsFunc(fd.Status.Drift, func(d string) bool {
		return strings.Contains(d, "team/app is not this object's") && strings.Contains(d, `"billing/api"`)
	}) {
		t.Fatalf("drift %q does not report the foreign owner", fd.Status.Drift)
	}

	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull
	_, err := e.stage.Reconcile(context.Background(), fd)
	ownershipConflict(t, err, "team/app", `"billing/api"`)
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("wrote %v to a repository status recorded under Observe", w)
	}
	if fd.Status.Repository != (v1alpha1.RepositoryStatus{}) {
		t.Fatalf("status still offers the foreign repository to later stages: %+v", fd.Status.Repository)
	}

	if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("wrote %v", w)
	}
	if tags := e.repositoryTags("team/app"); !maps.Equal(tags, foreign) ||
		e.repository("team/app").ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable || e.policyOf("team/app") != "" {
		t.Fatalf("foreign repository changed: tags %v", tags)
	}
	if live := e.live(); !slices.Equal(live, []string{"ecr/repository/team/app"}) {
		t.Fatalf("live %v", live)
	}
}

// A repository of ours whose owner tag someone removed cannot be told from someone else's
// any more: it is foreign from then on, never re-tagged, never deleted.
func TestStageTreatsItsRepositoryWithoutOwnerTagAsForeign(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	if _, err := e.ecr.UntagResource(context.Background(), &awsecr.UntagResourceInput{ResourceArn: aws.String(repoARN),
		TagKeys: []string{cloud.TagOwner}}); err != nil {
		t.Fatal(err)
	}
	before := e.sim.Calls()
	_, err := e.stage.Reconcile(context.Background(), fd)
	ownershipConflict(t, err, repoName, "carries no "+cloud.TagOwner+" tag")
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("wrote %v", w)
	}
	if _, ok := e.repositoryTags(repoName)[cloud.TagOwner]; ok {
		t.Fatalf("owner tag put back")
	}
	if _, err := e.stage.Delete(context.Background(), fd); err != nil {
		t.Fatalf("delete: %v", err)
	}
	// The parameter still proves itself ours and goes; the repository stays.
	if live := e.live(); !slices.Equal(live, []string{"ecr/repository/" + repoName}) {
		t.Fatalf("live %v", live)
	}
}

func TestStageNeverTakesOverAForeignParameter(t *testing.T) {
	for name, setup := range map[string]func(e *stageEnv){
		"untagged": func(e *stageEnv) {
			if _, err := e.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("x"),
				Type: ssmtypes.ParameterTypeString}); err != nil {
				e.t.Fatal(err)
			}
		},
		"another object": func(e *stageEnv) {
			if _, err := e.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("x"),
				Type: ssmtypes.ParameterTypeString, Tags: cloud.ToSSM(map[string]string{cloud.TagCluster: cluster, cloud.TagOwner: "shop/other"})}); err != nil {
				e.t.Fatal(err)
			}
		},
		"ours, its owner tag removed": func(e *stageEnv) {
			e.reconcile(newFD())
			if _, err := e.ssm.RemoveTagsFromResource(context.Background(), &ssm.RemoveTagsFromResourceInput{
				ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(param), TagKeys: []string{cloud.TagOwner}}); err != nil {
				e.t.Fatal(err)
			}
			if _, err := e.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("x"),
				Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
				e.t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newStageEnv(t)
			setup(e)
			tags := e.parameterTags(param)
			before := e.sim.Calls()
			fd := newFD()
			_, err := e.stage.Reconcile(context.Background(), fd)
			ownershipConflict(t, err, param)
			if fd.Status.Repository.ParameterName != "" {
				t.Fatalf("foreign parameter recorded in status")
			}
			if _, err := e.stage.Delete(context.Background(), fd); err != nil {
				t.Fatalf("delete: %v", err)
			}
			for _, w := range e.writesSince(before) {
				if strings.HasPrefix(w, "ssm:") {
					t.Fatalf("%s called on a foreign parameter", w)
				}
			}
			if v := e.paramValue(); v != "x" || !maps.Equal(e.parameterTags(param), tags) {
				t.Fatalf("foreign parameter changed: %q %v", v, e.parameterTags(param))
			}
			if live := e.live(); !slices.Equal(live, []string{"ssm/parameter/" + param}) {
				t.Fatalf("live %v: the repository, ours, goes; the parameter stays", live)
			}
		})
	}
}

// The managers of two clusters sharing an account each keep their own repository for
// objects of the same namespace and name.
func TestStageKeepsTwoClustersApart(t *testing.T) {
	e := newStageEnv(t)
	west := e.newStage("west")
	here, there := newFD(), newFD()
	there.UID = "uid-west"
	e.reconcile(here)
	if res := e.reconcileWith(west, there); !res.Done {
		t.Fatalf("west: %+v", res)
	}
	if here.Status.Repository.Name != repoName || there.Status.Repository.Name != "west/shop/web" ||
		there.Status.Repository.ParameterName != "/flaskops/west/shop/web/repository-uri" {
		t.Fatalf("names: %+v %+v", here.Status.Repository, there.Status.Repository)
	}
	if e.paramValue() != repoURI || e.valueOf(there.Status.Repository.ParameterName) != there.Status.Repository.URI {
		t.Fatalf("parameters hold %q and %q", e.paramValue(), e.valueOf(there.Status.Repository.ParameterName))
	}

	if res, err := e.stage.Delete(context.Background(), here); err != nil || !res.Done {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if live := e.live(); !slices.Equal(live, []string{"ecr/repository/west/shop/web", "ssm/parameter/" + there.Status.Repository.ParameterName}) {
		t.Fatalf("live %v", live)
	}
	before := e.sim.Calls()
	if res := e.reconcileWith(west, there); !res.Done || len(there.Status.Drift) != 0 || len(e.writesSince(before)) != 0 {
		t.Fatalf("west after the other cluster's delete: %+v drift %q writes %v", res, there.Status.Drift, e.writesSince(before))
	}
}

func TestStageRepairsDrift(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		drift func(e *stageEnv)
		check func(e *stageEnv) bool
		entry string
		// events, when set, are the events the repair must record besides RepairedDrift.
		events []string
	}{
		{
			name: "scan on push flipped",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.PutImageScanningConfiguration(ctx, &awsecr.PutImageScanningConfigurationInput{RepositoryName: aws.String(repoName),
					ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: false}})
			},
			check: func(e *stageEnv) bool { return e.describe().ImageScanningConfiguration.ScanOnPush },
			entry: "scanOnPush was false",
		},
		{
			name: "tag mutability changed",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.PutImageTagMutability(ctx, &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String(repoName), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable})
			},
			check: func(e *stageEnv) bool { return e.describe().ImageTagMutability == ecrtypes.ImageTagMutabilityMutable },
			entry: "imageTagMutability was IMMUTABLE",
		},
		{
			name: "lifecycle policy deleted",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.DeleteLifecyclePolicy(ctx, &awsecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String(repoName)})
			},
			check: func(e *stageEnv) bool { return strings.Contains(e.policy(), `"countNumber":5`) },
			entry: "lifecycle policy of repository " + repoName + " was missing",
		},
		{
			name: "lifecycle policy edited",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: aws.String(repoName), LifecyclePolicyText: aws.String(
					`{"rules":[{"rulePriority":1,"description":"keep 500","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":500},"action":{"type":"expire"}}]}`)})
			},
			check: func(e *stageEnv) bool { return strings.Contains(e.policy(), `"countNumber":5}`) },
			entry: "lifecycle policy of repository " + repoName + " differed",
		},
		{
			name: "repository tag removed",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.UntagResource(ctx, &awsecr.UntagResourceInput{ResourceArn: aws.String(repoARN), TagKeys: []string{cloud.TagStage, "team"}})
			},
			check: func(e *stageEnv) bool {
				tags := e.repositoryTags(repoName)
				return tags[cloud.TagStage] == "ecr" && tags["team"] == "payments"
			},
			entry: "tags " + cloud.TagStage + ", team restored on ECR repository " + repoARN,
		},
		{
			name: "parameter deleted",
			drift: func(e *stageEnv) {
				_, _ = e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(param)})
			},
			check:  func(e *stageEnv) bool { return e.paramValue() == repoURI },
			entry:  "parameter " + param + " was deleted outside the operator",
			events: []string{"Normal CreatedParameter Created SSM parameter " + param},
		},
		{
			name: "parameter overwritten",
			drift: func(e *stageEnv) {
				_, _ = e.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("evil.example.com/app"),
					Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)})
			},
			check: func(e *stageEnv) bool { return e.paramValue() == repoURI },
			entry: `held String "evil.example.com/app"`,
		},
		{
			name: "parameter replaced by a SecureString that carries our tags",
			drift: func(e *stageEnv) {
				tags := e.parameterTags(param)
				_, _ = e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(param)})
				_, _ = e.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("secret"),
					Type: ssmtypes.ParameterTypeSecureString, Tags: cloud.ToSSM(tags)})
			},
			check: func(e *stageEnv) bool { return e.paramValue() == repoURI },
			entry: `held SecureString`,
			events: []string{"Normal DeletedParameter Deleted SSM parameter " + param,
				"Normal CreatedParameter Created SSM parameter " + param},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStageEnv(t)
			fd := newFD()
			fd.Status.Drift = []string{"network: route missing"} // another stage's entry stays
			e.reconcile(fd)
			tt.drift(e)
			if tt.check(e) {
				t.Fatalf("drift was not induced")
			}
			e.events()
			if res := e.reconcile(fd); !res.Done {
				t.Fatalf("result %+v", res)
			}
			evs := e.events()
			for _, want := range append(tt.events, "Normal RepairedDrift Repaired drift: ") {
				if !slices.ContainsFunc(evs, func(ev string) bool { return strings.HasPrefix(ev, want) }) {
					t.Fatalf("events %q, want one starting %q", evs, want)
				}
			}
			if !tt.check(e) {
				t.Fatalf("drift not repaired")
			}
			if !slices.ContainsFunc(fd.Status.Drift, func(d string) bool { return strings.HasPrefix(d, "ecr: ") && strings.Contains(d, tt.entry) }) {
				t.Fatalf("drift %q does not report %q", fd.Status.Drift, tt.entry)
			}
			e.reconcile(fd)
			if !slices.Equal(fd.Status.Drift, []string{"network: route missing"}) {
				t.Fatalf("drift after a clean pass %q", fd.Status.Drift)
			}
			if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 {
				t.Fatalf("CreateRepository called %d times", n)
			}
		})
	}
}

func TestStageRecreatesARepositoryDeletedOutsideTheOperator(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	if _, err := e.ecr.DeleteRepository(context.Background(), &awsecr.DeleteRepositoryInput{RepositoryName: aws.String(repoName), Force: true}); err != nil {
		t.Fatal(err)
	}
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(e.policy(), `"countNumber":5`) || fd.Status.Repository.URI != repoURI ||
		!slices.ContainsFunc(fd.Status.Drift, func(d string) bool { return strings.Contains(d, "deleted outside the operator") }) {
		t.Fatalf("status %+v drift %q", fd.Status.Repository, fd.Status.Drift)
	}
	// The policy of the new repository is part of re-creating it, not a drift of its own.
	if slices.ContainsFunc(fd.Status.Drift, func(d string) bool { return strings.Contains(d, "lifecycle policy") }) {
		t.Fatalf("drift %q", fd.Status.Drift)
	}
}

func TestStageStallsOnEncryptionChange(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	fd.Spec.Repository.Encryption = v1alpha1.EncryptionKMS
	_, err := e.stage.Reconcile(context.Background(), fd)
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonImmutableField || !strings.Contains(err.Error(), "encrypted with AES256") {
		t.Fatalf("error %v", err)
	}
	if e.describe().EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeAes256 {
		t.Fatalf("encryption changed")
	}
}

// The repository's name is fixed once created: another name (the manager's --cluster-name
// changed under a default name) stalls instead of creating a second repository.
func TestStageStallsWhenTheRepositoryNameChanges(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	_, err := e.newStage("renamed").Reconcile(context.Background(), fd)
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonImmutableField || !strings.Contains(err.Error(), `"renamed/shop/web"`) {
		t.Fatalf("error %v", err)
	}
	if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 {
		t.Fatalf("CreateRepository called %d times", n)
	}
}

func TestStageCreatesKMSRepository(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	fd.Spec.Repository.Encryption = v1alpha1.EncryptionKMS
	fd.Spec.Repository.KMSKey = "1234abcd-key"
	fd.Spec.Repository.ImageTagMutability = "IMMUTABLE"
	f := false
	fd.Spec.Repository.ScanOnPush = &f
	e.reconcile(fd)
	repo := e.describe()
	if repo.EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeKms ||
		!strings.HasSuffix(aws.ToString(repo.EncryptionConfiguration.KmsKey), "/1234abcd-key") ||
		repo.ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable || repo.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("repository %+v %v %v", repo.EncryptionConfiguration, repo.ImageTagMutability, repo.ImageScanningConfiguration.ScanOnPush)
	}
	// The key ID in the spec matches the ARN AWS reports: no stall, no drift.
	if res := e.reconcile(fd); !res.Done || len(fd.Status.Drift) != 0 {
		t.Fatalf("second pass %+v drift %q", res, fd.Status.Drift)
	}
}

func TestStageObserveOnlyReads(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	res := e.reconcile(fd)
	if res.Done || res.Reason != v1alpha1.ReasonObserved || !strings.Contains(res.Message, "missing repository "+repoName) ||
		res.RequeueAfter == 0 || len(e.live()) != 0 {
		t.Fatalf("observe without repository: %+v, live %v", res, e.live())
	}

	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull
	e.reconcile(fd)
	e.pushImages(2)
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	_, _ = e.ecr.PutImageTagMutability(context.Background(), &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String(repoName), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable})
	_, _ = e.ssm.DeleteParameter(context.Background(), &ssm.DeleteParameterInput{Name: aws.String(param)})
	before := e.sim.Calls()
	res = e.reconcile(fd)
	if res.Done || res.Reason != v1alpha1.ReasonObserved || !strings.Contains(res.Message, "missing parameter "+param) ||
		fd.Status.Repository.ImageCount != 2 || fd.Status.Repository.URI != repoURI {
		t.Fatalf("observe: %+v %+v", res, fd.Status.Repository)
	}
	if w := e.writesSince(before); len(w) != 0 {
		t.Fatalf("observe wrote %v", w)
	}
	if e.describe().ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable {
		t.Fatalf("observe repaired mutability")
	}
	if len(fd.Status.Drift) != 1 || !strings.Contains(fd.Status.Drift[0], "imageTagMutability is IMMUTABLE") ||
		!strings.Contains(fd.Status.Drift[0], "not repaired") {
		t.Fatalf("drift %q", fd.Status.Drift)
	}
}

func TestStageDeletesRepositoryWithImagesAndParameter(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	e.pushImages(5) // more than a page: the count must follow NextToken
	e.reconcile(fd)
	if fd.Status.Repository.ImageCount != 5 {
		t.Fatalf("image count %d, want 5", fd.Status.Repository.ImageCount)
	}
	e.events()

	res, err := e.stage.Delete(context.Background(), fd)
	if err != nil || !res.Done {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if live := e.live(); len(live) != 0 {
		t.Fatalf("left behind: %v", live)
	}
	if fd.Status.Repository != (v1alpha1.RepositoryStatus{}) {
		t.Fatalf("status after delete %+v", fd.Status.Repository)
	}
	evs := e.events()
	if !slices.Contains(evs, "Normal DeletedRepository Deleted ECR repository "+repoName) ||
		!slices.Contains(evs, "Normal DeletedParameter Deleted SSM parameter "+param) {
		t.Fatalf("events %q", evs)
	}
	// Delete is idempotent.
	if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done {
		t.Fatalf("second delete: %+v %v", res, err)
	}
}

func TestStageRetriesTransientErrorsWithoutDuplicates(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.sim.FailNext("ecr:PutLifecyclePolicy", "ServerException", 1)
	_, err := e.stage.Reconcile(context.Background(), fd)
	if err == nil {
		t.Fatalf("want an error")
	}
	if _, ok := stage.AsTerminal(err); ok {
		t.Fatalf("a server error must be retriable: %v", err)
	}
	if fd.Status.Repository.ARN == "" {
		t.Fatalf("the created repository is not in status")
	}
	// A crash lost the status as well: the next pass must find the repository, not duplicate it.
	fd.Status = v1alpha1.FlaskDeploymentStatus{}
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("result %+v", res)
	}
	if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 || !strings.Contains(e.policy(), `"countNumber":5`) {
		t.Fatalf("CreateRepository called %d times; policy %s", n, e.policy())
	}
}

func TestStageStallsOnAWSValidationErrors(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.sim.FailNext("ecr:CreateRepository", "InvalidParameterException", 1)
	_, err := e.stage.Reconcile(context.Background(), fd)
	if term, ok := stage.AsTerminal(stage.Classify(err)); !ok || term.Reason != v1alpha1.ReasonAWSValidationError {
		t.Fatalf("error %v, want terminal %s", err, v1alpha1.ReasonAWSValidationError)
	}
}

func TestStageReportsOnlyRepairsThatSucceeded(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	_, _ = e.ecr.PutImageScanningConfiguration(context.Background(), &awsecr.PutImageScanningConfigurationInput{RepositoryName: aws.String(repoName),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: false}})
	e.sim.FailNext("ecr:PutImageScanningConfiguration", "ServerException", 1)
	if _, err := e.stage.Reconcile(context.Background(), fd); err == nil {
		t.Fatalf("want the failed repair's error")
	}
	if len(fd.Status.Drift) != 0 {
		t.Fatalf("a failed repair reported as done: %q", fd.Status.Drift)
	}
	e.reconcile(fd)
	if len(fd.Status.Drift) != 1 || !e.describe().ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("retry: drift %q", fd.Status.Drift)
	}
}

func TestStageWrapsAFailedCheckpointAfterCreate(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	patchErr := errors.New("etcd unavailable")
	ctx := stage.WithCheckpoint(context.Background(), func(context.Context) error { return patchErr })
	_, err := e.stage.Reconcile(ctx, fd)
	if !errors.Is(err, patchErr) || !strings.Contains(err.Error(), "save status after creating repository "+repoName) {
		t.Fatalf("error %v, want the checkpoint's error wrapped with what was being done", err)
	}
	// Nothing depending on the unsaved repository was made.
	if live := e.live(); !slices.Equal(live, []string{"ecr/repository/" + repoName}) {
		t.Fatalf("live %v", live)
	}
}

func TestStageReportsARepositoryThatExistsButCannotBeFound(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	// CreateRepository says it exists, DescribeRepositories does not find it (deleted again, or
	// not yet visible): a retriable error that says so, not a wrapped nil.
	e.sim.FailNext("ecr:CreateRepository", "RepositoryAlreadyExistsException", 1)
	_, err := e.stage.Reconcile(context.Background(), fd)
	if err == nil || strings.Contains(err.Error(), "%!") || !strings.Contains(err.Error(), "find repository "+repoName+" after RepositoryAlreadyExistsException: not found") {
		t.Fatalf("error %v", err)
	}
	if _, ok := stage.AsTerminal(stage.Classify(err)); ok {
		t.Fatalf("must be retried: %v", err)
	}
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("next pass %+v", res)
	}
}

// A key removed from spec.tags comes off the repository and the parameter.
func TestStageRemovesTagsRemovedFromSpec(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	fd.Spec.Tags["cost-center"] = "42"
	e.reconcile(fd)
	fd.Status.TagKeys = []string{"cost-center", "team"}

	delete(fd.Spec.Tags, "cost-center")
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("result %+v", res)
	}
	for _, tags := range []map[string]string{e.repositoryTags(repoName), e.parameterTags(param)} {
		if _, ok := tags["cost-center"]; ok || tags["team"] != "payments" {
			t.Errorf("tags %v, want team kept and cost-center removed", tags)
		}
	}
	for _, d := range fd.Status.Drift {
		if strings.Contains(d, "cost-center") {
			t.Errorf("a spec change was reported as drift: %s", d)
		}
	}
}
