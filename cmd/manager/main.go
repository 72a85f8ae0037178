// Command manager runs the flask-operator controller manager.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/cloud"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr      string
		secureMetrics    bool
		probeAddr        string
		leaderElect      bool
		defaultRegion    string
		clusterName      string
		roleBoundary     string
		resyncPeriod     time.Duration
		fullCheckPeriod  time.Duration
		maxConcurrent    int
		maxRequeueAfter  time.Duration
		reconcileTimeout time.Duration
		awsHTTPTimeout   time.Duration
		enableHTTP2      bool
		secretPrefixes   repeated
		budget           cloud.RateLimitOptions
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS, only to callers the API server authorizes for /metrics.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Serve metrics over HTTP/2 too; off by default against HTTP/2 Stream Cancellation and Rapid Reset.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the health probe endpoint binds to.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Enable leader election, so that only one manager reconciles at a time.")
	flag.StringVar(&clusterName, "cluster-name", "", "Name of this Kubernetes cluster, in every AWS resource's ownership tags and names: managers of two clusters sharing an AWS account never touch each other's resources. Required against real AWS; defaults to \"local\" when AWS_ENDPOINT_URL points at a simulator.")
	flag.StringVar(&roleBoundary, "role-permissions-boundary", "", "ARN of the permissions boundary every IAM role the operator creates carries (default: arn:aws:iam::<account>:policy/flaskops/<cluster-name>-boundary, config/iam/permissions-boundary.json).")
	flag.StringVar(&defaultRegion, "default-region", "", "AWS region for FlaskDeployments that name none (default: the SDK's, e.g. AWS_REGION).")
	flag.DurationVar(&resyncPeriod, "resync-period", 10*time.Minute, "How often a Ready FlaskDeployment is re-read from AWS to repair drift, spread by ±10 % per object.")
	flag.DurationVar(&fullCheckPeriod, "full-check-period", time.Hour, "How often a Ready FlaskDeployment's resync checks every AWS resource and its tags; the resyncs in between are light: they read only what drifts most and matters most (NAT gateways, routes, security groups, load balancer, listeners, service, log retention), and any difference they find gets a full check at once. 0: every resync is full.")
	flag.IntVar(&maxConcurrent, "max-concurrent-reconciles", 2, "How many FlaskDeployments are reconciled at once.")
	flag.DurationVar(&maxRequeueAfter, "max-requeue-after", 0, "Cap on the wait before AWS is polled again (0: the stages' own intervals). For simulators on a fast clock.")
	flag.DurationVar(&reconcileTimeout, "reconcile-timeout", 5*time.Minute, "Longest one reconcile pass may take before its AWS calls are cancelled (0: no limit).")
	flag.DurationVar(&awsHTTPTimeout, "aws-http-timeout", cloud.DefaultHTTPTimeout, "Longest one AWS HTTP request may take, per attempt.")
	flag.Var(&secretPrefixes, "secret-arn-prefix", "ARN prefix spec.service.secrets may point under, {namespace} standing for the object's and * for any one field (repeatable; default: "+strings.Join(controllers.DefaultSecretARNPrefixes, " and ")+"). The task execution role is granted each secret, so this keeps tenants to their own.")
	flag.Float64Var(&budget.ReadQPS, "aws-read-qps", cloud.DefaultReadQPS, "AWS read calls (Describe, List, Get) per second, per region and service, shared by all reconciles; halved while AWS throttles. 0: unlimited.")
	flag.IntVar(&budget.ReadBurst, "aws-read-burst", cloud.DefaultReadBurst, "AWS read calls that may go at once above --aws-read-qps.")
	flag.Float64Var(&budget.WriteQPS, "aws-write-qps", cloud.DefaultWriteQPS, "AWS write calls per second, per region and service, shared by all reconciles; halved while AWS throttles. 0: unlimited.")
	flag.IntVar(&budget.WriteBurst, "aws-write-burst", cloud.DefaultWriteBurst, "AWS write calls that may go at once above --aws-write-qps.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	cfg, err := cloud.LoadConfig(context.Background(), defaultRegion, awsHTTPTimeout)
	if err != nil {
		log.Error(err, "Cannot start without AWS configuration")
		os.Exit(1)
	}
	cluster, err := cloud.ClusterName(clusterName, cfg.BaseEndpoint != nil)
	if err != nil {
		log.Error(err, "Cannot start without a valid --cluster-name")
		os.Exit(1)
	}
	clients := cloud.NewClients(cfg, cloud.WithRateLimits(cloud.NewRateLimits(budget)))
	if roleBoundary == "" {
		id, err := clients.STS(cfg.Region).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			log.Error(err, "Cannot find the account of the operator's credentials for the roles' permissions boundary; set --role-permissions-boundary")
			os.Exit(1)
		}
		roleBoundary = iampolicy.BoundaryARN(aws.ToString(id.Account), cluster)
	}
	log.Info("Loaded AWS configuration", "region", cfg.Region, "endpoint", endpoint(cfg.BaseEndpoint), "cluster", cluster)

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsOptions(metricsAddr, secureMetrics, enableHTTP2),
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "flask-operator.flaskops.io",
		// The manager exits right after Start returns, so a successor need not wait out
		// the lease: every reconcile has stopped by then.
		LeaderElectionReleaseOnCancel: true,
		// Secrets are read one by one in the object's namespace, never cached: a cache
		// would list and watch every Secret of the cluster.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		log.Error(err, "Cannot create manager")
		os.Exit(1)
	}
	rec := mgr.GetEventRecorder("flaskdeployment-controller")
	r := &controllers.FlaskDeploymentReconciler{
		Client:            mgr.GetClient(),
		Recorder:          rec,
		Stages:            controllers.Stages(controllers.Deps{Clients: clients, Recorder: rec, Cluster: cluster, APIReader: mgr.GetAPIReader(), RoleBoundary: roleBoundary}),
		DefaultRegion:     clients.DefaultRegion(),
		ResyncPeriod:      resyncPeriod,
		FullCheckPeriod:   fullCheckPeriod,
		MaxRequeueAfter:   maxRequeueAfter,
		ReconcileTimeout:  reconcileTimeout,
		SecretARNPrefixes: secretPrefixes,
		Sweep:             &controllers.Sweeper{Tagging: func(region string) cloud.TaggingAPI { return clients.Tagging(region) }, Cluster: cluster},
	}
	if err := r.SetupWithManager(mgr, maxConcurrent); err != nil {
		log.Error(err, "Cannot set up controller", "controller", "FlaskDeployment")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Cannot set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Cannot set up ready check")
		os.Exit(1)
	}

	log.Info("Starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Manager stopped")
		os.Exit(1)
	}
}

// metricsOptions serves metrics over HTTPS to callers the API server authorizes, or over
// plain HTTP. HTTP/2 is off unless enabled: it exposes the server to the HTTP/2 Stream
// Cancellation and Rapid Reset attacks (GHSA-qppj-fm5r-hxr3, GHSA-4374-p667-p6c8), and
// metrics scrapes gain nothing from it.
func metricsOptions(addr string, secure, enableHTTP2 bool) metricsserver.Options {
	opts := metricsserver.Options{BindAddress: addr, SecureServing: secure}
	if secure {
		opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	if !enableHTTP2 {
		opts.TLSOpts = append(opts.TLSOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	return opts
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	*r = append(*r, v)
	return nil
}

func endpoint(base *string) string {
	if base == nil {
		return "AWS"
	}
	return *base
}
