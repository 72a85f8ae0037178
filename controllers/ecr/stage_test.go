package ecr_test

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/flaskops/flask-operator/internal/testenv"
)

// stageEnv runs the stage directly (no Kubernetes) against an in-process simulator.
type stageEnv struct {
	t        *testing.T
	sim      *awssim.Sim
	stage    *ecr.Stage
	recorder *events.FakeRecorder
	ecr      *awsecr.Client
	ssm      *ssm.Client
}

const (
	region   = "us-east-1"
	repoName = "shop-web"
	param    = "/flaskops/shop/web/repository-uri"
	repoURI  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-web"
)

func newStageEnv(t *testing.T) *stageEnv {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	clients := cloud.NewClients(testenv.SimConfig(srv.URL))
	rec := events.NewFakeRecorder(100)
	return &stageEnv{
		t: t, sim: sim, recorder: rec,
		stage: ecr.New(func(r string) cloud.ECRAPI { return clients.ECR(r) },
			func(r string) cloud.SSMAPI { return clients.SSM(r) }, rec),
		ecr: clients.ECR(region), ssm: clients.SSM(region),
	}
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
	res, err := e.stage.Reconcile(context.Background(), fd)
	if err != nil {
		e.t.Fatalf("Reconcile: %v", err)
	}
	stagetest.RecordCondition(fd, v1alpha1.ConditionRepositoryReady, res)
	return res
}

func (e *stageEnv) describe() *ecrtypes.Repository {
	e.t.Helper()
	out, err := e.ecr.DescribeRepositories(context.Background(), &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{repoName}})
	if err != nil {
		e.t.Fatalf("describe: %v", err)
	}
	return &out.Repositories[0]
}

func (e *stageEnv) policy() string {
	e.t.Helper()
	out, err := e.ecr.GetLifecyclePolicy(context.Background(), &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String(repoName)})
	if cloud.IsNotFound(err) {
		return ""
	}
	if err != nil {
		e.t.Fatalf("get lifecycle policy: %v", err)
	}
	return aws.ToString(out.LifecyclePolicyText)
}

func (e *stageEnv) paramValue() string {
	e.t.Helper()
	out, err := e.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(param)})
	if cloud.IsNotFound(err) {
		return ""
	}
	if err != nil {
		e.t.Fatalf("get parameter: %v", err)
	}
	return aws.ToString(out.Parameter.Value)
}

// live lists "service/type/id" of every live resource.
func (e *stageEnv) live() []string {
	var out []string
	for _, r := range e.sim.ListLive() {
		out = append(out, r.Service+"/"+r.Type+"/"+r.ID)
	}
	return out
}

// events drains the recorded events.
func (e *stageEnv) events() []string {
	var out []string
	for {
		select {
		case ev := <-e.recorder.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

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

func TestStageCreatesEverythingOnceWithOwnershipTags(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	res := e.reconcile(fd)
	if !res.Done || res.Reason != v1alpha1.ReasonReady {
		t.Fatalf("result %+v", res)
	}
	st := fd.Status.Repository
	want := v1alpha1.RepositoryStatus{Name: repoName, ARN: "arn:aws:ecr:us-east-1:123456789012:repository/shop-web",
		URI: repoURI, RegistryID: "123456789012", ParameterName: param}
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
		if r.Type == "repository" || r.Type == "parameter" {
			if r.Tags[cloud.TagOwner] != "shop/web" || r.Tags[cloud.TagStage] != "ecr" || r.Tags[cloud.TagUID] != "uid-1" || r.Tags["team"] != "payments" {
				t.Fatalf("%s %s tags %v", r.Type, r.ID, r.Tags)
			}
		}
	}
	evs := e.events()
	if !slices.ContainsFunc(evs, func(s string) bool { return strings.Contains(s, "CreatedRepository Created ECR repository shop-web") }) ||
		!slices.ContainsFunc(evs, func(s string) bool { return strings.Contains(s, "CreatedParameter") }) {
		t.Fatalf("events %v", evs)
	}

	// A second pass changes nothing and finds no drift.
	e.reconcile(fd)
	if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 {
		t.Fatalf("CreateRepository called %d times", n)
	}
	if n := e.sim.CallCount("ssm", "PutParameter") + e.sim.CallCount("ecr", "PutLifecyclePolicy"); n != 2 {
		t.Fatalf("PutParameter+PutLifecyclePolicy called %d times, want 2", n)
	}
	if len(fd.Status.Drift) != 0 || len(e.events()) != 0 {
		t.Fatalf("second pass: drift %v", fd.Status.Drift)
	}
}

func TestStageAdoptsItsOwnRepositoryAfterLostStatus(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	arn := fd.Status.Repository.ARN
	fd.Status = v1alpha1.FlaskDeploymentStatus{}
	fd.UID = "uid-2" // a restored object: same owner, new UID
	res := e.reconcile(fd)
	if !res.Done || fd.Status.Repository.ARN != arn || fd.Status.Repository.ParameterName != param {
		t.Fatalf("after adoption: %+v %+v", res, fd.Status.Repository)
	}
	if n := e.sim.CallCount("ecr", "CreateRepository"); n != 1 {
		t.Fatalf("CreateRepository called %d times", n)
	}
	for _, r := range e.sim.ListLive() {
		if r.Type == "repository" && r.Tags[cloud.TagUID] != "uid-2" {
			t.Fatalf("uid tag not updated on adoption: %v", r.Tags)
		}
	}
}

func TestStageNeverHijacksAForeignRepository(t *testing.T) {
	for name, tags := range map[string][]ecrtypes.Tag{
		"untagged":       nil,
		"another object": {{Key: aws.String(cloud.TagOwner), Value: aws.String("shop/other")}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newStageEnv(t)
			if _, err := e.ecr.CreateRepository(context.Background(), &awsecr.CreateRepositoryInput{RepositoryName: aws.String(repoName), Tags: tags}); err != nil {
				t.Fatal(err)
			}
			fd := newFD()
			_, err := e.stage.Reconcile(context.Background(), fd)
			term, ok := stage.AsTerminal(err)
			if !ok || term.Reason != ecr.ReasonRepositoryNotOwned || !strings.Contains(err.Error(), "not owned by this FlaskDeployment") ||
				!strings.Contains(err.Error(), "spec.repository.name") {
				t.Fatalf("error %v, want terminal %s telling what to do", err, ecr.ReasonRepositoryNotOwned)
			}
			if fd.Status.Repository.ARN != "" {
				t.Fatalf("foreign repository recorded in status: %+v", fd.Status.Repository)
			}
			if live := e.live(); !slices.Equal(live, []string{"ecr/repository/shop-web"}) {
				t.Fatalf("live %v: the foreign repository must be untouched and nothing else created", live)
			}
			tagsOut, _ := e.ecr.ListTagsForResource(context.Background(), &awsecr.ListTagsForResourceInput{ResourceArn: e.describe().RepositoryArn})
			if len(tagsOut.Tags) != len(tags) {
				t.Fatalf("foreign repository re-tagged: %+v", tagsOut.Tags)
			}
			// Delete must not touch it either.
			if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done {
				t.Fatalf("delete: %+v %v", res, err)
			}
			if live := e.live(); len(live) != 1 {
				t.Fatalf("foreign repository deleted: %v", live)
			}
		})
	}
}

func TestStageRepairsDrift(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		drift func(e *stageEnv)
		check func(e *stageEnv) bool
		entry string
		// events, when set, are the events the repair must record.
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
			entry: "lifecycle policy of repository shop-web was missing",
		},
		{
			name: "lifecycle policy edited",
			drift: func(e *stageEnv) {
				_, _ = e.ecr.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: aws.String(repoName), LifecyclePolicyText: aws.String(
					`{"rules":[{"rulePriority":1,"description":"keep 500","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":500},"action":{"type":"expire"}}]}`)})
			},
			check: func(e *stageEnv) bool { return strings.Contains(e.policy(), `"countNumber":5}`) },
			entry: "lifecycle policy of repository shop-web differed",
		},
		{
			name: "parameter deleted",
			drift: func(e *stageEnv) {
				_, _ = e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(param)})
			},
			check: func(e *stageEnv) bool { return e.paramValue() == repoURI },
			entry: "parameter " + param + " was deleted",
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
			name: "parameter replaced by a SecureString",
			drift: func(e *stageEnv) {
				_, _ = e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(param)})
				_, _ = e.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String("secret"),
					Type: ssmtypes.ParameterTypeSecureString, Tags: []ssmtypes.Tag{{Key: aws.String(cloud.TagOwner), Value: aws.String("shop/web")}}})
			},
			check: func(e *stageEnv) bool { return e.paramValue() == repoURI },
			entry: `held SecureString`,
			events: []string{"Normal DeletedParameter Deleted SecureString SSM parameter " + param,
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
			for _, want := range tt.events {
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
}

func TestStageStallsOnEncryptionChange(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	fd.Spec.Repository.Encryption = v1alpha1.EncryptionKMS
	_, err := e.stage.Reconcile(context.Background(), fd)
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != ecr.ReasonEncryptionImmutable || !strings.Contains(err.Error(), "encrypted with AES256") {
		t.Fatalf("error %v", err)
	}
	if e.describe().EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeAes256 {
		t.Fatalf("encryption changed")
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
	if res.Done || res.Reason != ecr.ReasonRepositoryNotFound || res.RequeueAfter == 0 || len(e.live()) != 0 {
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
	if !res.Done || res.Reason != v1alpha1.ReasonObserved || fd.Status.Repository.ImageCount != 2 {
		t.Fatalf("observe: %+v %+v", res, fd.Status.Repository)
	}
	for op, n := range e.sim.Calls() {
		name := op[strings.Index(op, ":")+1:]
		if n > before[op] && !strings.HasPrefix(name, "Describe") && !strings.HasPrefix(name, "Get") && !strings.HasPrefix(name, "List") {
			t.Fatalf("observe called %s", op)
		}
	}
	if e.describe().ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable {
		t.Fatalf("observe repaired mutability")
	}
	if len(fd.Status.Drift) != 2 || !strings.Contains(strings.Join(fd.Status.Drift, "\n"), "not repaired") {
		t.Fatalf("drift %q", fd.Status.Drift)
	}
	if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done || len(e.live()) != 3 {
		t.Fatalf("observe delete: %+v %v live %v", res, err, e.live())
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

	retained := fd.DeepCopy()
	retained.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	if res, err := e.stage.Delete(context.Background(), retained); err != nil || !res.Done || len(e.live()) != 7 {
		t.Fatalf("retain: %+v %v live %v", res, err, e.live())
	}

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
	evs := strings.Join(e.events(), "\n")
	if !strings.Contains(evs, "DeletedRepository Deleted ECR repository shop-web with 5 images") || !strings.Contains(evs, "DeletedParameter") {
		t.Fatalf("events %s", evs)
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
	if !errors.Is(err, patchErr) || !strings.Contains(err.Error(), "save status after creating repository shop-web") {
		t.Fatalf("error %v, want the checkpoint's error wrapped with what was being done", err)
	}
	// Nothing depending on the unsaved repository was made.
	if live := e.live(); !slices.Equal(live, []string{"ecr/repository/shop-web"}) {
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
	if err == nil || strings.Contains(err.Error(), "%!") || !strings.Contains(err.Error(), "find repository shop-web after RepositoryAlreadyExistsException: not found") {
		t.Fatalf("error %v", err)
	}
	if _, ok := stage.AsTerminal(stage.Classify(err)); ok {
		t.Fatalf("must be retried: %v", err)
	}
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("next pass %+v", res)
	}
}

func TestStageKeepsItsRecordedRepositoryWhoseOwnershipTagWasRemoved(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	arn := e.describe().RepositoryArn
	untag := func() {
		t.Helper()
		if _, err := e.ecr.UntagResource(context.Background(), &awsecr.UntagResourceInput{ResourceArn: arn,
			TagKeys: []string{cloud.TagOwner, cloud.TagStage, cloud.TagResource, cloud.TagUID}}); err != nil {
			t.Fatal(err)
		}
	}
	untag()
	e.events()

	// Status records the repository: it is still ours, and its tags are put back.
	if res := e.reconcile(fd); !res.Done {
		t.Fatalf("result %+v: a repository status records must not stall on a removed tag", res)
	}
	out, err := e.ecr.ListTagsForResource(context.Background(), &awsecr.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if tags := cloud.FromECR(out.Tags); tags[cloud.TagOwner] != "shop/web" || tags[cloud.TagStage] != "ecr" || tags[cloud.TagUID] != "uid-1" {
		t.Fatalf("tags not restored: %v", tags)
	}
	if !slices.ContainsFunc(fd.Status.Drift, func(d string) bool {
		return strings.HasPrefix(d, "ecr: ownership tag flaskops.io/owner removed from repository shop-web") && strings.HasSuffix(d, ": repaired")
	}) {
		t.Fatalf("drift %q", fd.Status.Drift)
	}
	if evs := e.events(); !slices.ContainsFunc(evs, func(ev string) bool {
		return strings.HasPrefix(ev, "Normal RepairedRepository Restored ownership tags")
	}) {
		t.Fatalf("events %q", evs)
	}

	// Delete removes it even without the tag, because status records it.
	untag()
	if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if live := e.live(); len(live) != 0 {
		t.Fatalf("left behind: %v", live)
	}
}

func TestStageTreatsAnUnrecordedUntaggedRepositoryAsForeign(t *testing.T) {
	e := newStageEnv(t)
	fd := newFD()
	e.reconcile(fd)
	arn := e.describe().RepositoryArn
	if _, err := e.ecr.UntagResource(context.Background(), &awsecr.UntagResourceInput{ResourceArn: arn, TagKeys: []string{cloud.TagOwner}}); err != nil {
		t.Fatal(err)
	}
	// Status lost as well: nothing proves the repository is ours any more.
	fd.Status = v1alpha1.FlaskDeploymentStatus{}
	_, err := e.stage.Reconcile(context.Background(), fd)
	if term, ok := stage.AsTerminal(err); !ok || term.Reason != ecr.ReasonRepositoryNotOwned {
		t.Fatalf("error %v, want terminal %s", err, ecr.ReasonRepositoryNotOwned)
	}
	out, err := e.ecr.ListTagsForResource(context.Background(), &awsecr.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cloud.FromECR(out.Tags)[cloud.TagOwner]; ok || fd.Status.Repository.ARN != "" {
		t.Fatalf("an unrecorded, untagged repository was taken over: tags %v status %+v", out.Tags, fd.Status.Repository)
	}
	if res, err := e.stage.Delete(context.Background(), fd); err != nil || !res.Done {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if live := e.live(); !slices.Contains(live, "ecr/repository/shop-web") {
		t.Fatalf("an unrecorded, untagged repository was deleted: live %v", live)
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
	checked := 0
	for _, res := range e.sim.ListLive() {
		if res.Tags[cloud.TagOwner] != cloud.Owner(fd) {
			continue
		}
		checked++
		if _, ok := res.Tags["cost-center"]; ok || res.Tags["team"] != "payments" {
			t.Errorf("%s %s has tags %v, want team kept and cost-center removed", res.Type, res.ID, res.Tags)
		}
	}
	if checked != 2 {
		t.Fatalf("checked %d resources, want the repository and the parameter", checked)
	}
	for _, d := range fd.Status.Drift {
		if strings.Contains(d, "cost-center") {
			t.Errorf("a spec change was reported as drift: %s", d)
		}
	}
}
