package cicd_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers/cicd"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

const (
	region  = "us-east-1"
	cluster = "test"
	ghOwner = "flaskops"
	ghRepo  = "mane"
)

var bg = context.Background()

// rig is one simulator on a manual clock and the cicd stage. What the ecr and ecs stages
// would have made (a repository with its URI parameter, a Fargate service with its
// execution role) is made with plain SDK clients and written to status by inputs.
type rig struct {
	t       testing.TB
	sim     *awssim.Sim
	clock   *awssim.ManualClock
	cfg     aws.Config
	clients *cloud.Clients
	stage   *cicd.Stage
	events  *events.FakeRecorder

	mu      sync.Mutex
	secrets map[string]string // "namespace/name/key" → value
	reads   int
}

func newRig(t testing.TB, opts ...awssim.Option) *rig {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	stagetest.RetryBrokenConnections(&cfg)
	r := &rig{t: t, sim: sim, clock: clock, cfg: cfg, clients: cloud.NewClients(cfg), events: events.NewFakeRecorder(1000),
		secrets: map[string]string{}}
	if err := testenv.CreateBoundary(bg, r.clients.IAM(region), cluster); err != nil {
		t.Fatal(err)
	}
	r.stage = r.newStage(r.clients)
	return r
}

func (r *rig) newStage(clients *cloud.Clients) *cicd.Stage {
	return cicd.New(cicd.ClientsFrom(clients), r.readSecret, r.events, cluster).
		WithRoleBoundary(iampolicy.BoundaryARN(awssim.Account, cluster))
}

// crashing gives the stage SDK clients that go through a crasher; the rig's own clients
// (fixtures, assertions) stay plain, so only the stage's calls count.
func (r *rig) crashing() *stagetest.Crasher {
	cfg := r.cfg.Copy()
	c := stagetest.NewCrasher(http.DefaultClient)
	cfg.HTTPClient = c
	cfg.Retryer, cfg.RetryMaxAttempts = nil, 1 // a lost answer reaches the stage
	r.stage = r.newStage(cloud.NewClients(cfg))
	return c
}

func (r *rig) readSecret(_ context.Context, namespace, name, key string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	prefix := namespace + "/" + name + "/"
	v, ok := r.secrets[prefix+key]
	if !ok {
		for k := range r.secrets {
			if strings.HasPrefix(k, prefix) {
				return "", fmt.Errorf("Secret %s/%s has no key %s: %w", namespace, name, key, cicd.ErrSecretKeyNotFound)
			}
		}
		return "", apierrors.NewNotFound(corev1.Resource("secrets"), name)
	}
	return v, nil
}

func (r *rig) setSecret(namespace, name, key, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[namespace+"/"+name+"/"+key] = value
}

// newFD is a FlaskDeployment with a pipeline from GitHub through connection conn.
func newFD(ns, name, conn string) *v1alpha1.FlaskDeployment {
	return &v1alpha1.FlaskDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uuid.NewUUID()), Generation: 1},
		Spec: v1alpha1.FlaskDeploymentSpec{
			Region: region,
			Tags:   map[string]string{"project": "mane", "environment": "dev"},
			Pipeline: &v1alpha1.PipelineSpec{
				Source:    v1alpha1.GitHubSource{Owner: ghOwner, Repo: ghRepo, Branch: "main", ConnectionARN: conn},
				Buildspec: "buildspec.yml", BuildImage: "aws/codebuild/standard:7.0", ComputeType: "BUILD_GENERAL1_SMALL",
				ArtifactRetentionDays: 90,
			},
			DeletionPolicy:   v1alpha1.DeletionPolicyDelete,
			ManagementPolicy: v1alpha1.ManagementPolicyFull,
		},
		Status: v1alpha1.FlaskDeploymentStatus{Region: region},
	}
}

// withToken makes fd's source GitHub version 1 with the token in Secret gh-token.
func withToken(fd *v1alpha1.FlaskDeployment) *v1alpha1.FlaskDeployment {
	fd.Spec.Pipeline.Source.ConnectionARN = ""
	fd.Spec.Pipeline.Source.OAuthTokenSecretRef = &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "gh-token"}, Key: "token"}
	return fd
}

func owner(fd *v1alpha1.FlaskDeployment) cloud.Owner { return cloud.NewOwner(cluster, fd) }

// tenant is the namespace of the rig's objects.
const tenant = "team-a"

// connection creates a CodeStar connection to GitHub that objects of namespace tenant may
// use, as an administrator tags it; it starts PENDING.
func (r *rig) connection(name string) string {
	r.t.Helper()
	out, err := r.clients.Connections(region).CreateConnection(bg, &codestarconnections.CreateConnectionInput{
		ConnectionName: aws.String(name), ProviderType: cstypes.ProviderTypeGithub,
		Tags: cloud.ToCodeStar(cloud.ConnectionTags(cluster, tenant))})
	if err != nil {
		r.t.Fatalf("create connection: %v", err)
	}
	return aws.ToString(out.ConnectionArn)
}

// inputs makes what the ecr and ecs stages would have made for fd and writes it to
// status: the repository and its URI parameter, and a running Fargate service (one task,
// a public image) in a cluster, with its task execution role.
func (r *rig) inputs(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	must := func(what string, err error) {
		if err != nil {
			r.t.Fatalf("%s: %v", what, err)
		}
	}
	o := owner(fd)
	repo, err := r.clients.ECR(region).CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String(o.Name(cloud.RepositoryName, ""))})
	must("create repository", err)
	param := o.Name(cloud.ParameterName, "repository-uri")
	_, err = r.clients.SSM(region).PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(param),
		Value: repo.Repository.RepositoryUri, Type: ssmtypes.ParameterTypeString})
	must("put parameter", err)
	fd.Status.Repository = v1alpha1.RepositoryStatus{Name: aws.ToString(repo.Repository.RepositoryName), ARN: aws.ToString(repo.Repository.RepositoryArn),
		URI: aws.ToString(repo.Repository.RepositoryUri), RegistryID: aws.ToString(repo.Repository.RegistryId), ParameterName: param}

	e := r.clients.EC2(region)
	vpc, err := e.CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must("create VPC", err)
	sn, err := e.CreateSubnet(bg, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String(region + "a")})
	must("create subnet", err)
	sg, err := e.CreateSecurityGroup(bg, &ec2.CreateSecurityGroupInput{GroupName: aws.String("tasks-" + fd.Name), Description: aws.String("tasks"), VpcId: vpc.Vpc.VpcId})
	must("create security group", err)
	role, err := r.clients.IAM(region).CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(o.Name(cloud.RoleName, "exec")), Path: aws.String("/flaskops/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	must("create execution role", err)
	c := r.clients.ECS(region)
	cl, err := c.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String(o.Name(cloud.ECSName, "cluster"))})
	must("create cluster", err)
	td, err := c.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(o.Name(cloud.ECSName, "task")), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: role.Role.Arn,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String(cloud.ContainerName), Essential: aws.Bool(true),
			Image: aws.String("public.ecr.aws/docker/library/python:3.12-slim"), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(5000)}}}},
	})
	must("register task definition", err)
	svc, err := c.CreateService(bg, &ecs.CreateServiceInput{
		Cluster: cl.Cluster.ClusterArn, ServiceName: aws.String(o.Name(cloud.ECSName, "service")), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(sn.Subnet.SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}}},
	})
	must("create service", err)
	fd.Status.Service = v1alpha1.ServiceStatus{ClusterARN: aws.ToString(cl.Cluster.ClusterArn), ServiceARN: aws.ToString(svc.Service.ServiceArn),
		TaskDefinitionARN: aws.ToString(td.TaskDefinition.TaskDefinitionArn), ExecutionRoleARN: aws.ToString(role.Role.Arn)}
}

// pass runs one Reconcile the way the orchestrator does: checkpoints accepted, the
// stage's condition, observedGeneration and the tag keys put on AWS written after a pass
// that did not fail.
func (r *rig) pass(fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	ctx := stage.WithCheckpoint(bg, func(context.Context) error { return nil })
	res, err := r.stage.Reconcile(ctx, fd)
	if err == nil {
		stagetest.RecordCondition(fd, v1alpha1.ConditionPipelineReady, res)
		fd.Status.ObservedGeneration = fd.Generation
		fd.Status.TagKeys = slices.Sorted(maps.Keys(fd.Spec.Tags))
	}
	return res, err
}

// mustPass runs a pass that must not fail.
func (r *rig) mustPass(fd *v1alpha1.FlaskDeployment) stage.Result {
	r.t.Helper()
	res, err := r.pass(fd)
	if err != nil {
		r.t.Fatalf("reconcile: %v", err)
	}
	return res
}

// converge runs passes until the stage is Done, moving the clock over AWS's delays.
func (r *rig) converge(fd *v1alpha1.FlaskDeployment) stage.Result {
	r.t.Helper()
	for range 20 {
		if res := r.mustPass(fd); res.Done {
			return res
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("pipeline not ready after 20 passes: %+v", fd.Status.Conditions)
	return stage.Result{}
}

// until runs passes a minute apart until ok holds.
func (r *rig) until(fd *v1alpha1.FlaskDeployment, what string, ok func() bool) {
	r.t.Helper()
	for range 30 {
		r.clock.Advance(time.Minute)
		r.mustPass(fd)
		if ok() {
			return
		}
	}
	r.t.Fatalf("never %s: latest execution %+v", what, fd.Status.Pipeline.LatestExecution)
}

// deleteAll runs Delete until Done, moving the clock over AWS's delays.
func (r *rig) deleteAll(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	for range 20 {
		res, err := r.stage.Delete(bg, fd)
		if err != nil {
			r.t.Fatalf("delete: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("pipeline not deleted after 20 passes")
}

// owned counts, by "service/type", the live resources whose tags prove them fd's and the
// cicd stage's.
func (r *rig) owned(fd *v1alpha1.FlaskDeployment) map[string]int {
	out := map[string]int{}
	for _, res := range r.sim.ListLive() {
		if owner(fd).Owns(res.Tags) && res.Tags[cloud.TagStage] == cicd.Name {
			out[res.Service+"/"+res.Type]++
		}
	}
	return out
}

// leftovers lists what of the CI/CD services is live, tagged or not (builds carry no
// tags, object versions neither), and anything tagged as the cicd stage's.
func (r *rig) leftovers() []string {
	var out []string
	for _, res := range r.sim.ListLive() {
		switch {
		case res.Service == "s3", res.Service == "codebuild", res.Service == "codepipeline", res.Tags[cloud.TagStage] == cicd.Name:
			out = append(out, res.Service+"/"+res.Type+" "+res.ID)
		}
	}
	return out
}

// eventsWith drains the recorded events and returns those containing all of subs.
func (r *rig) eventsWith(subs ...string) []string {
	var out []string
	for _, e := range stagetest.Events(r.events) {
		match := true
		for _, s := range subs {
			match = match && strings.Contains(e, s)
		}
		if match {
			out = append(out, e)
		}
	}
	return out
}

// writes counts the calls of operations that change AWS.
func (r *rig) writes() int {
	n := 0
	for op, c := range r.sim.Calls() {
		_, name, _ := strings.Cut(op, ":")
		for _, verb := range []string{"Create", "Put", "Update", "Delete", "Tag", "Untag", "Attach", "Detach", "Stop"} {
			if strings.HasPrefix(name, verb) {
				n += c
				break
			}
		}
	}
	return n
}

func (r *rig) push(commit string, fail bool) {
	r.t.Helper()
	if _, err := r.sim.PushGitHub(ghOwner, ghRepo, "main", commit, fail); err != nil {
		r.t.Fatalf("push %s: %v", commit, err)
	}
}

func commit(n int) string { return fmt.Sprintf("%040x", 0xc0ffee00+n) }
