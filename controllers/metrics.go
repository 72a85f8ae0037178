package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// timeToReady buckets span what AWS takes: a NAT gateway, a load balancer and an ECS
// service each take minutes.
var timeToReady = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "flaskops_time_to_ready_seconds",
	Help:    "Time from a FlaskDeployment's creation to its Ready condition first becoming True.",
	Buckets: []float64{30, 60, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 3600},
})

func init() {
	metrics.Registry.MustRegister(timeToReady)
}

// everReady reports whether the object has been Ready before this pass.
func everReady(fd *v1alpha1.FlaskDeployment) bool {
	return fd.Status.FirstReadyTime != nil || meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionReady)
}

// recordFirstReady notes when Ready first became True. An object found Ready without the
// field (it became Ready before the field existed) gets its Ready condition's time.
func recordFirstReady(fd *v1alpha1.FlaskDeployment) {
	if fd.Status.FirstReadyTime != nil {
		return
	}
	if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue {
		t := c.LastTransitionTime
		fd.Status.FirstReadyTime = &t
	}
}

// observeFirstReady observes the time to Ready once per object: on the pass, with its
// status written, that made an object Ready that never was.
func observeFirstReady(wasReady bool, fd *v1alpha1.FlaskDeployment) {
	if !wasReady && fd.Status.FirstReadyTime != nil {
		timeToReady.Observe(fd.Status.FirstReadyTime.Sub(fd.CreationTimestamp.Time).Seconds())
	}
}

// objectCollector counts FlaskDeployments by phase and by each stage's condition status
// when the metrics are scraped, from the manager's cache: the counts stay right across
// restarts and deletions with nothing to keep in step, and their labels are bounded.
type objectCollector struct {
	reader client.Reader
	stages []stage.Stage
	phase  *prometheus.Desc
	ready  *prometheus.Desc
}

func newObjectCollector(reader client.Reader, stages []stage.Stage) *objectCollector {
	return &objectCollector{
		reader: reader,
		stages: stages,
		phase: prometheus.NewDesc("flaskops_flaskdeployments",
			"FlaskDeployments by phase (Ready, Suspended, Progressing, Stalled, Deleting, Paused).", []string{"phase"}, nil),
		ready: prometheus.NewDesc("flaskops_stage_ready",
			"FlaskDeployments by stage and the status of the stage's condition (True, False, Unknown; Unknown also when not reported yet).",
			[]string{"stage", "status"}, nil),
	}
}

func (c *objectCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.phase
	ch <- c.ready
}

func (c *objectCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list := &v1alpha1.FlaskDeploymentList{}
	if err := c.reader.List(ctx, list); err != nil {
		err = fmt.Errorf("list FlaskDeployments: %w", err)
		ch <- prometheus.NewInvalidMetric(c.phase, err)
		ch <- prometheus.NewInvalidMetric(c.ready, err)
		return
	}
	byPhase := map[string]int{}
	type stageStatus struct{ stage, status string }
	byStage := map[stageStatus]int{}
	for i := range list.Items {
		fd := &list.Items[i]
		byPhase[Phase(fd)]++
		for _, s := range c.stages {
			status := metav1.ConditionUnknown
			if cond := meta.FindStatusCondition(fd.Status.Conditions, s.Condition()); cond != nil {
				status = cond.Status
			}
			byStage[stageStatus{s.Name(), string(status)}]++
		}
	}
	for _, p := range phases {
		ch <- prometheus.MustNewConstMetric(c.phase, prometheus.GaugeValue, float64(byPhase[p]), p)
	}
	for _, s := range c.stages {
		for _, status := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
			ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue,
				float64(byStage[stageStatus{s.Name(), string(status)}]), s.Name(), string(status))
		}
	}
}

// registerObjectMetrics serves the object counts while the manager leads (only one
// manager counts: a runnable that does not say otherwise runs only on the leader).
func registerObjectMetrics(mgr manager.Manager, stages []stage.Stage) error {
	c := newObjectCollector(mgr.GetCache(), stages)
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		if err := metrics.Registry.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				// Another manager in this process (tests run two control planes) counts.
				return nil
			}
			return fmt.Errorf("register FlaskDeployment metrics: %w", err)
		}
		<-ctx.Done()
		metrics.Registry.Unregister(c)
		return nil
	}))
}
