package integration_test

import (
	"slices"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// scrape reads what the manager's metrics endpoint serves (controller-runtime's registry):
// each series of the metrics named, keyed "name{label=value,...}" with labels sorted, and
// its value (a histogram's sample count).
func scrape(names ...string) map[string]float64 {
	GinkgoHelper()
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		if !slices.Contains(names, f.GetName()) {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

var _ = Describe("Metrics of a whole life", func() {
	It("count the AWS requests by service, operation and error code, the stages' readiness, the phases and the time to Ready", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, SimOptions: []awssim.Option{awssim.WithTimeScale(0)}})
		const (
			createVPC    = `flaskops_aws_api_calls_total{code=,operation=CreateVpc,service=EC2}`
			throttled    = `flaskops_aws_api_calls_total{code=RequestLimitExceeded,operation=CreateSubnet,service=EC2}`
			createdRepo  = `flaskops_aws_api_calls_total{code=,operation=CreateRepository,service=ECR}`
			timeToReady  = `flaskops_time_to_ready_seconds{}`
			readyObjects = `flaskops_flaskdeployments{phase=Ready}`
		)
		names := []string{"flaskops_aws_api_calls_total", "flaskops_time_to_ready_seconds", "flaskops_flaskdeployments", "flaskops_stage_ready"}
		before := scrape(names...)
		env.Sim.FailNext("ec2:CreateSubnet", "RequestLimitExceeded", 2)
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)

		Eventually(func(g Gomega) {
			now := scrape(names...)
			g.Expect(now[createVPC]-before[createVPC]).To(Equal(1.0), "one VPC created")
			g.Expect(now[createdRepo]-before[createdRepo]).To(Equal(1.0), "one repository created")
			g.Expect(now[throttled]-before[throttled]).To(Equal(2.0), "the two throttled requests, with AWS's code")
			g.Expect(now[timeToReady]-before[timeToReady]).To(Equal(1.0), "the object's time to Ready, once")
			g.Expect(now[readyObjects]).To(Equal(1.0))
			for _, stage := range []string{"network", "ecr", "ecs", "cicd"} {
				g.Expect(now["flaskops_stage_ready{stage="+stage+",status=True}"]).To(Equal(1.0), stage)
			}
		}).Should(Succeed())
	})
})
