package ecr_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// The envtest suite runs the real FlaskDeploymentReconciler with the ecr stage alone
// against envtest and an in-process awssim.
var (
	env *testenv.Env
	ctx context.Context
)

func TestECRSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ECR stage suite")
}

var _ = BeforeSuite(func() {
	ctx = context.Background()
	SetDefaultEventuallyTimeout(timeout)
	SetDefaultEventuallyPollingInterval(poll)
	var err error
	env, err = testenv.Start(testenv.Options{
		Stages: func(d controllers.Deps) []stage.Stage {
			c, rec, cluster := d.Clients, d.Recorder, d.Cluster
			return []stage.Stage{ecr.New(
				func(region string) cloud.ECRAPI { return c.ECR(region) },
				func(region string) cloud.SSMAPI { return c.SSM(region) },
				rec, cluster)}
		},
	})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
