package network_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/middleware"
	"k8s.io/client-go/tools/events"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with the network stage alone
// against envtest and an in-process awssim (time scale 0.01).
// The stage-level tests in the same package (plain go tests) use their own simulators.
var (
	env      *testenv.Env
	suiteCtx context.Context
	// cut is wired into the stage's EC2 client: armed, it lets the k-th call take effect
	// in AWS and then fails it, as if the operator had died waiting for the answer.
	cut = &callCutter{}
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
		Stages: func(c *cloud.Clients, rec events.EventRecorder) []stage.Stage {
			var mu sync.Mutex
			clients := map[string]*ec2.Client{}
			return []stage.Stage{network.New(func(region string) cloud.NetworkEC2 {
				mu.Lock()
				defer mu.Unlock()
				if clients[region] == nil {
					clients[region] = ec2.New(c.EC2(region).Options(), func(o *ec2.Options) {
						o.APIOptions = append(o.APIOptions, cut.install)
					})
				}
				return clients[region]
			}, rec)}
		},
	})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

var errCut = errors.New("test: the operator stopped before AWS's answer arrived")

// callCutter counts the stage's EC2 calls; armed with k, the k-th call runs to the end
// (retries included) and its result is then replaced by errCut.
type callCutter struct {
	mu sync.Mutex
	n  int
	at int
}

func (c *callCutter) arm(k int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.at = 0, k
}

func (c *callCutter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *callCutter) install(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("NetworkSuiteCallCutter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			c.mu.Lock()
			c.n++
			hit := c.at > 0 && c.n == c.at
			c.mu.Unlock()
			if hit && err == nil {
				return middleware.InitializeOutput{}, md, errCut
			}
			return out, md, err
		}), middleware.Before)
}
