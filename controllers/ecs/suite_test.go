package ecs_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with every stage the operator
// runs (network, ECR, ECS) against envtest and an in-process awssim: the object goes from
// kubectl apply to Ready with a URL, and from delete to an empty simulator.
var (
	env *testenv.Env
	ctx context.Context
)

const (
	timeout = 90 * time.Second
	poll    = 100 * time.Millisecond
)

func TestECSSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ECS stage suite")
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
