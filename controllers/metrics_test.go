package controllers_test

import (
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
)

// scrape returns the samples of the metric family name as the manager's metrics endpoint
// would serve them, keyed by their labels as "k=v,k=v" in label order.
func scrape(g Gomega, name string) map[string]*dto.Metric {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]*dto.Metric{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			out[key] = m
		}
	}
	return out
}

func timeToReadyCount(g Gomega) uint64 {
	return scrape(g, "flaskops_time_to_ready_seconds")[""].GetHistogram().GetSampleCount()
}

var _ = Describe("Metrics", func() {
	It("count objects by phase and by stage condition, and observe the time to Ready once", func() {
		before := timeToReadyCount(Default)
		ready := newFD(nil)
		waitReady(ready)
		Eventually(timeToReadyCount, timeout, poll).Should(BeNumerically(">", before))
		first := get(ready).Status.FirstReadyTime
		Expect(first).NotTo(BeNil())
		Expect(first.Time).NotTo(BeTemporally("<", get(ready).CreationTimestamp.Time))

		// Not Ready and Ready again: the first time stays.
		setAnnotation(ready, annotationPrefix+"alpha", "waiting")
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(ready).Status.Conditions, v1alpha1.ConditionReady)
		}, timeout, poll).Should(BeFalse())
		setAnnotation(ready, annotationPrefix+"alpha", "ready")
		waitReady(ready)
		Expect(get(ready).Status.FirstReadyTime.Equal(first)).To(BeTrue())

		newFD(map[string]string{annotationPrefix + "alpha": "terminal"})
		newFD(map[string]string{v1alpha1.AnnotationPaused: "true"})
		newFD(map[string]string{annotationPrefix + "beta": "waiting"})

		// The gauges agree with what the API server holds, object for object.
		Eventually(func(g Gomega) {
			list := &v1alpha1.FlaskDeploymentList{}
			g.Expect(env.Client.List(ctx, list)).To(Succeed())
			wantPhase := map[string]float64{}
			wantStage := map[string]float64{}
			for i := range list.Items {
				fd := &list.Items[i]
				wantPhase["phase="+controllers.Phase(fd)]++
				g.Expect(fd.Status.Phase).To(Equal(controllers.Phase(fd)), "status.phase of %s", fd.Name)
				for st, typ := range map[string]string{"alpha": "NetworkReady", "beta": "RepositoryReady"} {
					status := metav1.ConditionUnknown
					if c := meta.FindStatusCondition(fd.Status.Conditions, typ); c != nil {
						status = c.Status
					}
					wantStage["stage="+st+",status="+string(status)]++
				}
			}
			phases := scrape(g, "flaskops_flaskdeployments")
			g.Expect(phases).To(HaveLen(6))
			for _, p := range []string{"Ready", "Suspended", "Progressing", "Stalled", "Deleting", "Paused"} {
				g.Expect(phases["phase="+p].GetGauge().GetValue()).To(Equal(wantPhase["phase="+p]), p)
			}
			for _, p := range []string{"Ready", "Stalled", "Paused", "Progressing"} {
				g.Expect(wantPhase["phase="+p]).To(BeNumerically(">=", 1), p)
			}
			stages := scrape(g, "flaskops_stage_ready")
			g.Expect(stages).To(HaveLen(6))
			for k, m := range stages {
				g.Expect(m.GetGauge().GetValue()).To(Equal(wantStage[k]), k)
			}
		}, timeout, poll).Should(Succeed())
	})
})
