// Package integration_test runs the whole operator — the real FlaskDeploymentReconciler
// with every stage — on envtest against an in-process awssim, for what no single stage
// can show: several clusters sharing one AWS account, one object's full life.
package integration_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/internal/testenv"
)

var ctx context.Context

const (
	timeout = 120 * time.Second
	poll    = 100 * time.Millisecond
)

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Operator integration suite")
}

var _ = BeforeSuite(func() {
	ctx = context.Background()
	SetDefaultEventuallyTimeout(timeout)
	SetDefaultEventuallyPollingInterval(poll)
})

// startEnv starts a control plane with a manager of cluster, stopped after the spec.
func startEnv(opts testenv.Options) *testenv.Env {
	GinkgoHelper()
	env, err := testenv.Start(opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })
	return env
}
