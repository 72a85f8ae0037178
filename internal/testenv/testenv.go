// Package testenv starts what the controller specs run against: a real kube-apiserver and
// etcd (envtest, built by hack/build-envtest-binaries.sh), an in-process awssim, and a
// manager running the real FlaskDeploymentReconciler with the stages a suite chooses.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Region is the region the simulator and the reconciler default to.
const Region = "us-east-1"

// ClusterName is the --cluster-name of the environment's manager unless Options say.
const ClusterName = "envtest"

// Options choose what the environment runs.
type Options struct {
	// Stages builds the stages the reconciler runs, in creation order.
	Stages func(controllers.Deps) []stage.Stage
	// ClusterName is the manager's --cluster-name; default ClusterName.
	ClusterName string
	// SharedAWS points the manager at another environment's simulator (SimOptions are then
	// ignored): two control planes, two clusters, one AWS account.
	SharedAWS *Env
	// SimOptions configure the simulator; the default is a 0.01 time scale.
	SimOptions []awssim.Option
	// ResyncPeriod of Ready objects; default 2s so drift specs see a repair quickly.
	ResyncPeriod time.Duration
	// FullCheckPeriod of Ready objects; default 0, every pass full, so that drift specs
	// prove the full repair.
	FullCheckPeriod time.Duration
	// MaxRequeueAfter caps the stages' waits; default 200ms.
	MaxRequeueAfter time.Duration
	// LeaderElection makes every manager of the environment campaign for one lease of
	// LeaseDuration, so that only one reconciles at a time.
	LeaderElection bool
	// UnresolvableRegions are regions whose endpoints do not resolve for the managers, as
	// for a region AWS does not have (see UnresolvableAttempts).
	UnresolvableRegions []string
}

// Lease timings of environments with LeaderElection: short, so that a successor takes
// over from a killed leader within seconds.
const (
	LeaseDuration = 2 * time.Second
	RenewDeadline = 1500 * time.Millisecond
	RetryPeriod   = 200 * time.Millisecond
)

// Env is a running environment.
type Env struct {
	// Client talks to the API server directly, without a cache.
	Client client.Client
	// Config is the API server's rest config.
	Config *rest.Config
	// Sim is the AWS simulator the reconciler talks to.
	Sim *awssim.Sim
	// AWS is a configuration of the real SDK clients pointing at Sim.
	AWS aws.Config
	// Clients hands out SDK clients pointing at Sim.
	Clients *cloud.Clients

	opts     Options
	scheme   *k8sruntime.Scheme
	control  *envtest.Environment
	server   *httptest.Server
	manager  *Manager   // the one Start started, or RestartManager's latest
	managers []*Manager // every manager started, stopped by Stop
	// unresolved counts the managers' requests to UnresolvableRegions.
	unresolved attempts
}

// Manager is one manager process of the environment: its own controllers, AWS clients and
// event recorder, on the environment's control plane and simulator.
type Manager struct {
	mgr     ctrl.Manager
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// Start brings the environment up. Stop it with Stop.
func Start(opts Options) (*Env, error) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
	root := repoRoot()
	env := &Env{control: &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: AssetsDir(),
	}}
	cfg, err := env.control.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest (run `make envtest` first): %w", err)
	}
	env.Config = cfg

	if opts.SharedAWS != nil {
		env.Sim, env.AWS = opts.SharedAWS.Sim, opts.SharedAWS.AWS
	} else {
		simOpts := append([]awssim.Option{awssim.WithTimeScale(0.01)}, opts.SimOptions...)
		if env.Sim, err = awssim.New(simOpts...); err != nil {
			return nil, env.stopWith(fmt.Errorf("start awssim: %w", err))
		}
		env.server = httptest.NewServer(env.Sim)
		env.AWS = SimConfig(env.server.URL)
	}
	env.Clients = cloud.NewClients(env.AWS)
	env.opts = opts
	// What an administrator does once per cluster at install, before the operator runs.
	if err := CreateBoundary(context.Background(), env.Clients.IAM(Region), env.cluster()); err != nil {
		return nil, env.stopWith(err)
	}

	env.scheme = k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(env.scheme); err != nil {
		return nil, env.stopWith(err)
	}
	if err := v1alpha1.AddToScheme(env.scheme); err != nil {
		return nil, env.stopWith(err)
	}
	if env.Client, err = client.New(cfg, client.Options{Scheme: env.scheme}); err != nil {
		return nil, env.stopWith(err)
	}
	if env.manager, err = env.StartManager(); err != nil {
		return nil, env.stopWith(err)
	}
	return env, nil
}

// StartManager starts another manager on the environment's control plane and simulator,
// as a second replica of the operator would run. With Options.LeaderElection it
// reconciles only once it holds the lease (see Elected).
func (e *Env) StartManager() (*Manager, error) {
	skip := true
	opts := ctrl.Options{
		Scheme:                 e.scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skip},
	}
	if e.opts.LeaderElection {
		lease, renew, retry := LeaseDuration, RenewDeadline, RetryPeriod
		opts.LeaderElection = true
		opts.LeaderElectionID = "flask-operator.flaskops.io"
		opts.LeaderElectionNamespace = "default"
		opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = &lease, &renew, &retry
	}
	mgr, err := ctrl.NewManager(e.Config, opts)
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	rec := mgr.GetEventRecorder("flaskdeployment-controller")
	r := &controllers.FlaskDeploymentReconciler{
		Client:          mgr.GetClient(),
		Recorder:        rec,
		DefaultRegion:   Region,
		ResyncPeriod:    orDefault(e.opts.ResyncPeriod, 2*time.Second),
		FullCheckPeriod: e.opts.FullCheckPeriod,
		MaxRequeueAfter: orDefault(e.opts.MaxRequeueAfter, 200*time.Millisecond),
	}
	if e.opts.Stages != nil {
		cluster := e.cluster()
		// Each manager has its own AWS clients, as each process of the operator would.
		clients := cloud.NewClients(e.managerAWS())
		r.Stages = e.opts.Stages(controllers.Deps{Clients: clients, Recorder: rec, Cluster: cluster, APIReader: mgr.GetAPIReader(),
			RoleBoundary: iampolicy.BoundaryARN(awssim.Account, cluster)})
		r.Sweep = &controllers.Sweeper{Tagging: func(region string) cloud.TaggingAPI { return clients.Tagging(region) }, Cluster: cluster}
	}
	if err := r.SetupWithManager(mgr, 4); err != nil {
		return nil, fmt.Errorf("set up reconciler: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{mgr: mgr, cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- mgr.Start(ctx) }()
	e.managers = append(e.managers, m)
	return m, nil
}

// cluster is the manager's --cluster-name.
func (e *Env) cluster() string {
	if e.opts.ClusterName != "" {
		return e.opts.ClusterName
	}
	return ClusterName
}

// CreateBoundary creates the permissions boundary of cluster's roles
// (config/iam/permissions-boundary.json, as iampolicy.BoundaryARN names it), as an
// administrator does at install; IAM refuses the operator's roles without it. One that
// exists already (another environment of the cluster on a shared simulator) is kept.
func CreateBoundary(ctx context.Context, c *iam.Client, cluster string) error {
	doc, err := iampolicy.PermissionsBoundary(cluster)
	if err != nil {
		return err
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(iampolicy.BoundaryName(cluster)), Path: aws.String(iampolicy.BoundaryPath),
		PolicyDocument: aws.String(string(doc))})
	if err != nil && !cloud.IsAlreadyExists(err) {
		return fmt.Errorf("create the permissions boundary of cluster %s: %w", cluster, err)
	}
	return nil
}

// ResetAWS empties the simulator (Sim.Reset) and makes again what an administrator made at
// install: the permissions boundary.
func (e *Env) ResetAWS(ctx context.Context) error {
	e.Sim.Reset()
	return CreateBoundary(ctx, e.Clients.IAM(Region), e.cluster())
}

// Connection creates a CodeStar connection to GitHub (PENDING) that FlaskDeployments of
// namespace may build through: an administrator tags each connection with the cluster and
// namespace it serves.
func (e *Env) Connection(ctx context.Context, name, namespace string) (string, error) {
	out, err := e.Clients.Connections(Region).CreateConnection(ctx, &codestarconnections.CreateConnectionInput{
		ConnectionName: aws.String(name), ProviderType: cstypes.ProviderTypeGithub})
	if err != nil {
		return "", fmt.Errorf("create connection %s: %w", name, err)
	}
	arn := aws.ToString(out.ConnectionArn)
	return arn, e.AllowConnection(ctx, arn, namespace)
}

// AllowConnection tags a connection for namespace of the environment's cluster, as an
// administrator does: from then on that namespace's FlaskDeployments may build through it,
// and no other's.
func (e *Env) AllowConnection(ctx context.Context, arn, namespace string) error {
	if _, err := e.Clients.Connections(Region).TagResource(ctx, &codestarconnections.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: cloud.ToCodeStar(cloud.ConnectionTags(e.cluster(), namespace))}); err != nil {
		return fmt.Errorf("tag connection %s for namespace %s: %w", arn, namespace, err)
	}
	return nil
}

// Elected is closed once the manager holds the lease (at once without leader election).
func (m *Manager) Elected() <-chan struct{} { return m.mgr.Elected() }

// Stop kills the manager: its context ends, cancelling the AWS calls and API requests of
// the reconciles in flight, and a lease it holds is not released (a successor waits it
// out). Stop returns once every reconcile has returned.
func (m *Manager) Stop() error {
	if m.stopped {
		return nil
	}
	m.stopped = true
	m.cancel()
	if err := <-m.done; err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	return nil
}

// Manager is the environment's manager: the one Start started, or RestartManager's latest.
func (e *Env) Manager() *Manager { return e.manager }

// RestartManager kills the environment's manager (see Manager.Stop) and starts a new one
// on the same control plane and simulator, as a crashed operator pod is restarted.
func (e *Env) RestartManager() error {
	if err := e.manager.Stop(); err != nil {
		return err
	}
	m, err := e.StartManager()
	if err != nil {
		return err
	}
	e.manager = m
	return nil
}

// Stop stops the managers, the simulator (unless shared from another environment) and the
// control plane.
func (e *Env) Stop() error {
	var errs []error
	for _, m := range e.managers {
		errs = append(errs, m.Stop())
	}
	return e.stopWith(errors.Join(errs...))
}

func (e *Env) stopWith(err error) error {
	if e.server != nil {
		e.server.Close()
	}
	if stopErr := e.control.Stop(); stopErr != nil && err == nil {
		err = stopErr
	}
	return err
}

// Namespace creates a fresh namespace and returns its name; specs use one each so that
// objects of different specs never meet.
func (e *Env) Namespace(ctx context.Context) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fd-"}}
	if err := e.Client.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("create namespace: %w", err)
	}
	return ns.Name, nil
}

// SimConfig is an SDK configuration for a simulator at url: dummy credentials and a
// retryer with short backoff, so injected faults are retried quickly.
func SimConfig(url string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 20 * time.Millisecond
			})
		},
	}
}

// AssetsDir is where `make envtest` puts kube-apiserver and etcd. envtest prefers
// KUBEBUILDER_ASSETS when it is set, so this only makes a bare `go test` work.
func AssetsDir() string {
	return filepath.Join(repoRoot(), "bin", "k8s", fmt.Sprintf("1.37.2-%s-%s", runtime.GOOS, runtime.GOARCH))
}

// repoRoot finds the module root from this file's location, so specs in any package find
// config/crd and bin/.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
