package network_test

import (
	"context"
	"testing"

	"k8s.io/client-go/tools/events"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with the network stage alone
// against envtest and an in-process awssim (time scale 0.01: a NAT gateway takes ~1s).
// The stage-level tests in the same package (plain go tests) use their own simulators.
var (
	env      *testenv.Env
	suiteCtx context.Context
)

func TestNetworkSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Network stage suite")
}

var _ = BeforeSuite(func() {
	suiteCtx = context.Background()
	var err error
	env, err = testenv.Start(testenv.Options{
		Stages: func(c *cloud.Clients, rec events.EventRecorder) []stage.Stage {
			return []stage.Stage{network.New(func(region string) cloud.NetworkEC2 { return c.EC2(region) }, rec)}
		},
	})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
