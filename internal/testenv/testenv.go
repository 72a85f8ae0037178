// Package testenv starts what the controller specs run against: a real kube-apiserver and
// etcd (envtest, built by hack/build-envtest-binaries.sh), an in-process awssim, and a
// manager running the real FlaskDeploymentReconciler with the stages a suite chooses.
package testenv

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	// MaxRequeueAfter caps the stages' waits; default 200ms.
	MaxRequeueAfter time.Duration
}

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

	control *envtest.Environment
	server  *httptest.Server
	cancel  context.CancelFunc
	done    chan error
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

	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, env.stopWith(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, env.stopWith(err)
	}
	if env.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, env.stopWith(err)
	}

	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		return nil, env.stopWith(fmt.Errorf("create manager: %w", err))
	}
	rec := mgr.GetEventRecorder("flaskdeployment-controller")
	r := &controllers.FlaskDeploymentReconciler{
		Client:          mgr.GetClient(),
		Recorder:        rec,
		DefaultRegion:   Region,
		ResyncPeriod:    orDefault(opts.ResyncPeriod, 2*time.Second),
		MaxRequeueAfter: orDefault(opts.MaxRequeueAfter, 200*time.Millisecond),
	}
	if opts.Stages != nil {
		cluster := opts.ClusterName
		if cluster == "" {
			cluster = ClusterName
		}
		r.Stages = opts.Stages(controllers.Deps{Clients: env.Clients, Recorder: rec, Cluster: cluster, APIReader: mgr.GetAPIReader(),
			RoleBoundary: iampolicy.BoundaryARN(awssim.Account, cluster)})
		r.Sweep = &controllers.Sweeper{Tagging: func(region string) cloud.TaggingAPI { return env.Clients.Tagging(region) }, Cluster: cluster}
	}
	if err := r.SetupWithManager(mgr, 4); err != nil {
		return nil, env.stopWith(fmt.Errorf("set up reconciler: %w", err))
	}

	ctx, cancel := context.WithCancel(context.Background())
	env.cancel = cancel
	env.done = make(chan error, 1)
	go func() { env.done <- mgr.Start(ctx) }()
	return env, nil
}

// Stop stops the manager, the simulator (unless shared from another environment) and the
// control plane.
func (e *Env) Stop() error {
	if e.cancel != nil {
		e.cancel()
		if err := <-e.done; err != nil {
			return e.stopWith(fmt.Errorf("manager: %w", err))
		}
	}
	return e.stopWith(nil)
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
