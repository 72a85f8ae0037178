package awssim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// simStart is the time the manual clock of every test environment starts at.
var simStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// lbService creates a target group behind a new internal load balancer and a service of
// desired tasks of td in it, with the given grace period; it returns the target group ARN.
func (e *ecsEnv) lbService(t *testing.T, cluster, name, td string, desired, grace int32) string {
	t.Helper()
	tg := must[*elbv2.CreateTargetGroupOutput](t, "target group")(e.elb.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(5000), VpcId: aws.String(e.vpc),
		TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0]
	arn := aws.ToString(tg.TargetGroupArn)
	e.alb(t, arn)
	in := e.serviceInput(cluster, name, td, desired)
	in.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(arn), ContainerName: aws.String("app"), ContainerPort: aws.Int32(5000)}}
	in.HealthCheckGracePeriodSeconds = aws.Int32(grace)
	created := must[*ecs.CreateServiceOutput](t, "create service")(e.ecs.CreateService(bg, in)).Service
	if aws.ToInt32(created.HealthCheckGracePeriodSeconds) != grace {
		t.Fatalf("grace period %v", created.HealthCheckGracePeriodSeconds)
	}
	return arn
}

// serviceAt moves the clock to simStart+d and describes the service there.
func (e *ecsEnv) serviceAt(t *testing.T, d time.Duration, cluster, name string) ecstypes.Service {
	t.Helper()
	if wait := simStart.Add(d).Sub(e.clock.Now()); wait > 0 {
		e.clock.Advance(wait)
	}
	return e.service(t, cluster, name)
}

// TestECSRolloutWaitsForTargetHealth: a service behind a load balancer completes its rollout
// only when its tasks run, the load balancer is active (180 s) and the target group's checks
// have passed 5 times 30 s apart: 330 s, not the 60 s of a service without one.
func TestECSRolloutWaitsForTargetHealth(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "demo")
	td := e.taskDef(t, "demo", "nginx:1.27")
	tg := e.lbService(t, "demo", "web", td, 2, 0)

	if svc := e.serviceAt(t, 30*time.Second, "demo", "web"); svc.RunningCount != 2 {
		t.Fatalf("running %d at 30 s", svc.RunningCount)
	}
	for ip, state := range e.targets(t, tg) {
		if state != elbtypes.TargetHealthStateEnumInitial {
			t.Fatalf("target %s is %s while the load balancer provisions", ip, state)
		}
	}
	if svc := e.serviceAt(t, 329*time.Second, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Fatalf("rollout %s before the targets are healthy", svc.Deployments[0].RolloutState)
	}
	svc := e.serviceAt(t, 330*time.Second, "demo", "web")
	if svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || svc.Deployments[0].FailedTasks != 0 {
		t.Fatalf("rollout %s, failed %d at 330 s", svc.Deployments[0].RolloutState, svc.Deployments[0].FailedTasks)
	}
	for ip, state := range e.targets(t, tg) {
		if state != elbtypes.TargetHealthStateEnumHealthy {
			t.Fatalf("target %s is %s after the rollout", ip, state)
		}
	}

	// A new revision: the old tasks keep serving until the new ones pass their checks
	// (30 s to start, 150 s of checks), then drain.
	td2 := e.taskDef(t, "demo", "nginx:1.28")
	must[*ecs.UpdateServiceOutput](t, "update")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String(td2)}))
	if svc := e.serviceAt(t, 330*time.Second+179*time.Second, "demo", "web"); len(svc.Deployments) != 2 || svc.Deployments[1].RunningCount != 2 {
		t.Fatalf("old deployment drained before the new tasks were healthy: %+v", svc.Deployments)
	}
	svc = e.serviceAt(t, 330*time.Second+180*time.Second, "demo", "web")
	if svc.Deployments[1].RunningCount != 0 {
		t.Fatalf("old deployment still running once the new tasks were healthy: %+v", svc.Deployments)
	}
	svc = e.waitRollout(t, "demo", "web")
	if svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || aws.ToString(svc.TaskDefinition) != td2 {
		t.Fatalf("second rollout %s on %s", svc.Deployments[0].RolloutState, aws.ToString(svc.TaskDefinition))
	}
}

// TestECSUnhealthyImageTripsTheCircuitBreaker: the targets of an image the test marks
// unhealthy fail their checks (2 x 30 s); after the grace period ECS stops those tasks
// ("Task failed ELB health checks"), counts them as failed and launches others, until the
// circuit breaker fails the deployment and rolls back to the last completed one.
func TestECSUnhealthyImageTripsTheCircuitBreaker(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "demo")
	good := e.taskDef(t, "demo", "app:v1")
	tg := e.lbService(t, "demo", "web", good, 2, 60)
	if svc := e.serviceAt(t, 330*time.Second, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Fatalf("first rollout %s", svc.Deployments[0].RolloutState)
	}
	first := e.service(t, "demo", "web").Deployments[0]

	e.sim.SetImageHealth("app:v2", false)
	bad := e.taskDef(t, "demo", "app:v2")
	must[*ecs.UpdateServiceOutput](t, "deploy the bad image")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{
		Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String(bad)}))
	// The new tasks run at +30 s and fail their second check at +90 s, when the 60 s grace
	// period from their start is also over.
	if svc := e.serviceAt(t, 330*time.Second+89*time.Second, "demo", "web"); svc.Deployments[0].FailedTasks != 0 || svc.Deployments[0].RunningCount != 2 {
		t.Fatalf("before the checks failed: %+v", svc.Deployments[0])
	}
	unhealthy := 0
	for _, state := range e.targets(t, tg) {
		if state == elbtypes.TargetHealthStateEnumUnhealthy {
			unhealthy++
		}
	}
	if unhealthy != 0 {
		t.Fatalf("%d targets unhealthy a second early", unhealthy)
	}
	svc := e.serviceAt(t, 330*time.Second+90*time.Second, "demo", "web")
	if d := svc.Deployments[0]; d.FailedTasks != 2 || d.RunningCount != 0 || d.RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Fatalf("after the checks failed: failed %d running %d %s", d.FailedTasks, d.RunningCount, d.RolloutState)
	}
	if svc.Deployments[1].RunningCount != 2 {
		t.Fatalf("the old tasks stopped serving: %+v", svc.Deployments[1])
	}
	stopped := must[*ecs.ListTasksOutput](t, "stopped tasks")(e.ecs.ListTasks(bg, &ecs.ListTasksInput{
		Cluster: aws.String("demo"), ServiceName: aws.String("web"), DesiredStatus: ecstypes.DesiredStatusStopped}))
	dt := must[*ecs.DescribeTasksOutput](t, "describe stopped")(e.ecs.DescribeTasks(bg, &ecs.DescribeTasksInput{Cluster: aws.String("demo"), Tasks: stopped.TaskArns}))
	if len(dt.Tasks) != 2 {
		t.Fatalf("stopped tasks %d", len(dt.Tasks))
	}
	for _, task := range dt.Tasks {
		if aws.ToString(task.StoppedReason) != "Task failed ELB health checks in (target-group "+tg+")" || task.StopCode != ecstypes.TaskStopCodeServiceSchedulerInitiated {
			t.Fatalf("stopped task: %s %s", task.StopCode, aws.ToString(task.StoppedReason))
		}
	}

	// Replacements fail too; at the third failure the circuit breaker fails the deployment
	// and rolls back to the first one.
	var failed *ecstypes.Deployment
	for range 200 {
		e.clock.Advance(5 * time.Second)
		for _, d := range e.service(t, "demo", "web").Deployments {
			if d.RolloutState == ecstypes.DeploymentRolloutStateFailed {
				failed = &d
			}
		}
		if failed != nil {
			break
		}
	}
	if failed == nil || failed.FailedTasks < 3 || aws.ToString(failed.TaskDefinition) != bad ||
		aws.ToString(failed.RolloutStateReason) != "ECS deployment circuit breaker: tasks failed to start." {
		t.Fatalf("failed deployment %+v", failed)
	}
	svc = e.waitRollout(t, "demo", "web")
	if aws.ToString(svc.TaskDefinition) != good || len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted ||
		svc.RunningCount != 2 {
		t.Fatalf("after the rollback: %s %+v", aws.ToString(svc.TaskDefinition), svc.Deployments)
	}
	var events []string
	for _, ev := range svc.Events {
		events = append(events, aws.ToString(ev.Message))
	}
	all := strings.Join(events, "\n")
	for _, want := range []string{
		"(service web) (port 5000) is unhealthy in (target-group " + tg + ") due to (reason Health checks failed).",
		"(service web) (deployment " + aws.ToString(failed.Id) + ") deployment failed: tasks failed to start.",
		"(service web) (deployment " + aws.ToString(failed.Id) + ") deployment failed: rolling back to deployment " + aws.ToString(first.Id) + ".",
	} {
		if !strings.Contains(all, want) {
			t.Fatalf("no event %q in\n%s", want, all)
		}
	}
	for ip, state := range e.targets(t, tg) {
		if state == elbtypes.TargetHealthStateEnumUnhealthy {
			t.Fatalf("target %s still unhealthy after the rollback", ip)
		}
	}
}

// TestECSGracePeriodHoldsOffHealthChecks: with a 600 s grace period, a task whose target has
// been unhealthy since +90 s runs on until 600 s after it started.
func TestECSGracePeriodHoldsOffHealthChecks(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "demo")
	e.sim.SetImageHealth("app:broken", false)
	td := e.taskDef(t, "demo", "app:broken")
	tg := e.lbService(t, "demo", "web", td, 1, 600)
	// The task runs at 30 s; the load balancer is active at 180 s; 2 failed checks: 240 s.
	e.serviceAt(t, 240*time.Second, "demo", "web")
	for ip, state := range e.targets(t, tg) {
		if state != elbtypes.TargetHealthStateEnumUnhealthy {
			t.Fatalf("target %s is %s", ip, state)
		}
	}
	if svc := e.serviceAt(t, 629*time.Second, "demo", "web"); svc.RunningCount != 1 || svc.Deployments[0].FailedTasks != 0 {
		t.Fatalf("inside the grace period: running %d failed %d", svc.RunningCount, svc.Deployments[0].FailedTasks)
	}
	if svc := e.serviceAt(t, 630*time.Second, "demo", "web"); svc.RunningCount != 0 || svc.Deployments[0].FailedTasks != 1 {
		t.Fatalf("at the end of the grace period: running %d failed %d", svc.RunningCount, svc.Deployments[0].FailedTasks)
	}
	// Healthy again: the next task passes its checks and, its grace period over, the rollout
	// completes.
	resp, err := http.Post(e.url+"/_awssim/images/health", "application/json", strings.NewReader(`{"image":"app:broken","healthy":true}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("mark healthy: %v %v", resp, err)
	}
	resp.Body.Close()
	e.clock.Advance(600 * time.Second)
	if svc := e.waitRollout(t, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || svc.RunningCount != 1 {
		t.Fatalf("after recovery: %s running %d", svc.Deployments[0].RolloutState, svc.RunningCount)
	}
	resp, err = http.Post(e.url+"/_awssim/images/health", "application/json", strings.NewReader(`{"image":"app:broken"}`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("request without health: %v %v", resp, err)
	}
	resp.Body.Close()
}

// allHealthy says whether the target group has targets and every one is healthy.
func (e *ecsEnv) allHealthy(t *testing.T, tg string) bool {
	t.Helper()
	targets := e.targets(t, tg)
	for _, state := range targets {
		if state != elbtypes.TargetHealthStateEnumHealthy {
			return false
		}
	}
	return len(targets) > 0
}

// TestECSGracePeriodHoldsOffTheRollout: ECS ignores health check status for the grace
// period, so with 600 s a rollout whose targets the load balancer reports healthy at 330 s
// completes only 600 s after its tasks started (630 s), and the tasks of a later deployment
// replace the old ones only once their own grace period is over.
func TestECSGracePeriodHoldsOffTheRollout(t *testing.T) {
	e := newECSEnv(t)
	e.cluster(t, "demo")
	tg := e.lbService(t, "demo", "web", e.taskDef(t, "demo", "app:v1"), 2, 600)

	svc := e.serviceAt(t, 330*time.Second, "demo", "web")
	if !e.allHealthy(t, tg) {
		t.Fatalf("targets at 330 s: %v", e.targets(t, tg))
	}
	if svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Fatalf("rollout %s at 330 s, inside the grace period", svc.Deployments[0].RolloutState)
	}
	if svc := e.serviceAt(t, 629*time.Second, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Fatalf("rollout %s a second before the grace period ends", svc.Deployments[0].RolloutState)
	}
	if svc := e.serviceAt(t, 630*time.Second, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Fatalf("rollout %s once the grace period is over", svc.Deployments[0].RolloutState)
	}

	// The new tasks run at +30 s and are healthy at +180 s; the old ones drain at +630 s.
	must[*ecs.UpdateServiceOutput](t, "update")(e.ecs.UpdateService(bg, &ecs.UpdateServiceInput{
		Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String(e.taskDef(t, "demo", "app:v2"))}))
	svc = e.serviceAt(t, 630*time.Second+629*time.Second, "demo", "web")
	if len(svc.Deployments) != 2 || svc.Deployments[0].RunningCount != 2 || svc.Deployments[1].RunningCount != 2 {
		t.Fatalf("old tasks drained inside the new tasks' grace period: %+v", svc.Deployments)
	}
	if !e.allHealthy(t, tg) {
		t.Fatalf("targets inside the new tasks' grace period: %v", e.targets(t, tg))
	}
	if svc := e.serviceAt(t, 630*time.Second+630*time.Second, "demo", "web"); svc.Deployments[1].RunningCount != 0 {
		t.Fatalf("old tasks still running after the new tasks' grace period: %+v", svc.Deployments)
	}
}

// TestECSGracePeriodScales: at time scale 0.1 a 600 s grace period holds the rollout for 60 s
// from the task's start (3 s), though the target is healthy at 33 s.
func TestECSGracePeriodScales(t *testing.T) {
	e := newECSEnv(t, awssim.WithTimeScale(0.1))
	e.cluster(t, "demo")
	tg := e.lbService(t, "demo", "web", e.taskDef(t, "demo", "app:v1"), 1, 600)
	svc := e.serviceAt(t, 62*time.Second, "demo", "web")
	if !e.allHealthy(t, tg) || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Fatalf("at 62 s: targets %v, rollout %s", e.targets(t, tg), svc.Deployments[0].RolloutState)
	}
	if svc := e.serviceAt(t, 63*time.Second, "demo", "web"); svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Fatalf("rollout %s at 63 s", svc.Deployments[0].RolloutState)
	}
}
