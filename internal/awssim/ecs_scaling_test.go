package awssim_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestECSScalingClampRunsTheScheduler: a clamp is a desired-count change like UpdateService's,
// so ECS stops the surplus tasks (releasing their interfaces) without a new deployment.
func TestECSScalingClampRunsTheScheduler(t *testing.T) {
	e := newAASEnv(t)
	e.ecsService(t, "app", 4)
	before := e.waitRollout(t, "demo", "app")
	if before.RunningCount != 4 || len(e.taskENIs(t)) != 4 {
		t.Fatalf("running %d with %d interfaces, want 4", before.RunningCount, len(e.taskENIs(t)))
	}
	e.register(t, "service/demo/app", 1, 2)
	after := e.service(t, "demo", "app")
	if after.DesiredCount != 2 || len(after.Deployments) != 1 || aws.ToString(after.Deployments[0].Id) != aws.ToString(before.Deployments[0].Id) {
		t.Fatalf("after clamp: desired %d, deployments %+v", after.DesiredCount, after.Deployments)
	}
	if after.RunningCount != 2 {
		t.Fatalf("running %d right after the clamp, want 2 (two stopping)", after.RunningCount)
	}
	e.clock.Advance(time.Minute)
	if n := len(e.taskENIs(t)); n != 2 {
		t.Fatalf("%d task interfaces after the stop latency, want 2", n)
	}
	stopped := must[*ecs.ListTasksOutput](t, "stopped tasks")(e.ecs.ListTasks(bg, &ecs.ListTasksInput{Cluster: aws.String("demo"),
		ServiceName: aws.String("app"), DesiredStatus: ecstypes.DesiredStatusStopped}))
	if len(stopped.TaskArns) != 2 {
		t.Fatalf("%d stopped tasks, want 2", len(stopped.TaskArns))
	}
}

// TestECSScalingNeedsAnActiveService: a DRAINING service and a service of a deleted
// cluster cannot get a scalable target.
func TestECSScalingNeedsAnActiveService(t *testing.T) {
	e := newAASEnv(t)
	e.ecsService(t, "app", 1)
	must[*ecs.DeleteServiceOutput](t, "delete service")(e.ecs.DeleteService(bg, &ecs.DeleteServiceInput{Cluster: aws.String("demo"), Service: aws.String("app"), Force: aws.Bool(true)}))
	if st := aws.ToString(e.service(t, "demo", "app").Status); st != "DRAINING" {
		t.Fatalf("service %s, want DRAINING", st)
	}
	_, err := e.aas.RegisterScalableTarget(bg, registerInput("service/demo/app", aws.Int32(1), aws.Int32(2)))
	wantCode(t, "register on a DRAINING service", err, "ValidationException")

	e.cluster(t, "gone")
	must[*ecs.DeleteClusterOutput](t, "delete cluster")(e.ecs.DeleteCluster(bg, &ecs.DeleteClusterInput{Cluster: aws.String("gone")}))
	_, err = e.aas.RegisterScalableTarget(bg, registerInput("service/gone/app", aws.Int32(1), aws.Int32(2)))
	wantCode(t, "register in an INACTIVE cluster", err, "ValidationException")
	if out := must[*aas.DescribeScalableTargetsOutput](t, "describe")(e.aas.DescribeScalableTargets(bg, &aas.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})); len(out.ScalableTargets) != 0 {
		t.Fatalf("targets %+v", out.ScalableTargets)
	}
}
