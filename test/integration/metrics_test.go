package integration_test

import (
	"slices"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
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

// isAbout says whether an event is the creation or deletion (verb) of r: its reason is
// the verb and the related resource's kind (CreatedSubnet, Subnet), and the related
// resource is r, by ID or by an ARN ending in it (events name ECS, IAM, CodeBuild and
// CodePipeline resources by ARN; the simulator lists some by name), which the note names.
func isAbout(ev eventsv1.Event, verb string, r awssim.Resource) bool {
	if ev.Related == nil || ev.Reason != verb+ev.Related.Kind || !strings.Contains(ev.Note, ev.Related.Name) {
		return false
	}
	name := ev.Related.Name
	return name == r.ID || strings.HasSuffix(name, "/"+r.ID) || strings.HasSuffix(name, ":"+r.ID)
}

var _ = Describe("Metrics and events of a whole life", func() {
	It("count the AWS requests by service, operation and error code, the stages' readiness, the phases and the time to Ready; an event tells each resource created and deleted", func() {
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
		app.FD.Spec.Pipeline = pipelineFrom(approvedConnection(env, app.FD.Namespace))
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

		By("recording an event for every resource created and deleted")
		owned := ownedBy(env, app)
		Expect(owned).NotTo(BeEmpty())
		// The pipeline's deploy registers revisions of the task definition itself; the
		// operator registers the one status names.
		ours := app.Get().Status.Service.TaskDefinitionARN
		Expect(ours).NotTo(BeEmpty())
		app.DeleteAndWait()
		created, deleted := map[string]bool{}, map[string]bool{}
		for _, ev := range app.Events() {
			for _, r := range owned {
				created[r.ID] = created[r.ID] || isAbout(ev, "Created", r)
				deleted[r.ID] = deleted[r.ID] || isAbout(ev, "Deleted", r)
			}
		}
		for id, r := range owned {
			if r.Type != "task-definition" || strings.HasSuffix(ours, "/"+id) {
				Expect(created).To(HaveKeyWithValue(id, true), "a Created event for %s/%s %s", r.Service, r.Type, id)
			}
			Expect(deleted).To(HaveKeyWithValue(id, true), "a Deleted event for %s/%s %s", r.Service, r.Type, id)
		}
	})
})
