package cicd_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with the network, ECR and ECS
// stages the operator runs and this stage after them, against envtest and an in-process
// awssim: a pipeline from a pending connection to a deployed commit, with the other stages
// waiting for what it builds, and from delete to an empty simulator.
var (
	env *testenv.Env
	ctx context.Context
)

const (
	timeout = 90 * time.Second
	poll    = 100 * time.Millisecond
)

func TestCICDSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "CI/CD stage suite")
}

var _ = BeforeSuite(func() {
	ctx = context.Background()
	SetDefaultEventuallyTimeout(timeout)
	SetDefaultEventuallyPollingInterval(poll)
	var err error
	env, err = testenv.Start(testenv.Options{Stages: controllers.Stages})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
