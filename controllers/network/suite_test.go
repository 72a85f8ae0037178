package network_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with the network stage alone
// against envtest and an in-process awssim (time scale 0.01).
// The stage-level tests in the same package (plain go tests) use their own simulators.
var (
	env      *testenv.Env
	suiteCtx context.Context
	// cut is the HTTP client of the stage's EC2 client: armed, it lets the k-th call take
	// effect in AWS and then loses its answer.
	cut *stagetest.Crasher
)

func TestNetworkSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Network stage suite")
}

var _ = BeforeSuite(func() {
	suiteCtx = context.Background()
	SetDefaultEventuallyTimeout(timeout)
	SetDefaultEventuallyPollingInterval(poll)
	var err error
	env, err = testenv.Start(testenv.Options{
		// NAT gateways take 0.3s to become available and 0.2s to delete (AWS: ~90s and
		// ~60s at scale 1): long enough to be seen pending, short enough for the specs
		// that build dozens of networks.
		SimOptions: []awssim.Option{
			awssim.WithLatency(awssim.LatencyNATGatewayCreate, 30*time.Second),
			awssim.WithLatency(awssim.LatencyNATGatewayDelete, 20*time.Second),
		},
		// The suite's objects all live in testenv.Region.
		Stages: func(d controllers.Deps) []stage.Stage {
			c, rec, cluster := d.Clients, d.Recorder, d.Cluster
			opts := c.EC2(testenv.Region).Options()
			cut = stagetest.NewCrasher(opts.HTTPClient)
			client := ec2.New(opts, func(o *ec2.Options) { o.HTTPClient = cut })
			return []stage.Stage{network.New(func(string) cloud.NetworkEC2 { return client }, rec, cluster)}
		},
	})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
