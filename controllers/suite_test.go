package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var (
	env   *testenv.Env
	ctx   context.Context
	alpha *fakeStage
	beta  *fakeStage
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	ctx = context.Background()
	calls := &callLog{}
	alpha = newFakeStage("alpha", "NetworkReady", calls)
	beta = newFakeStage("beta", "RepositoryReady", calls)
	var err error
	env, err = testenv.Start(testenv.Options{
		Stages: func(controllers.Deps) []stage.Stage { return []stage.Stage{alpha, beta} },
	})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
