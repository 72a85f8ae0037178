package ecs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// servingGroups are the target groups a listener sends traffic to (weight above zero).
func servingGroups(l elbv2types.Listener) []string {
	var out []string
	for _, a := range l.DefaultActions {
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
			for _, tg := range a.ForwardConfig.TargetGroups {
				if aws.ToInt32(tg.Weight) > 0 {
					out = append(out, aws.ToString(tg.TargetGroupArn))
				}
			}
		} else if arn := aws.ToString(a.TargetGroupArn); arn != "" {
			out = append(out, arn)
		}
	}
	return out
}

func (r *rig) healthyTargets(tg string) int {
	r.t.Helper()
	out, err := r.clients.ELBv2(region).DescribeTargetHealth(bg, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		r.t.Fatalf("describe target health of %s: %v", tg, err)
	}
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// A container port change cannot change the target group's port: a group for the new
// port takes over once it serves, and the old one is deleted after. At no point does the
// listener send traffic to a group without a healthy target, and the tasks' group admits
// the old port while old tasks run.
func TestContainerPortChangeReplacesTargetGroup(t *testing.T) {
	fd := newFD("shop", "port")
	r := converged(t, fd)
	old := fd.Status.Service.TargetGroupARN

	fd.Spec.Service.ContainerPort = 8000
	fd.Generation++
	sawBoth, done := false, false
	for i := 0; i < 60 && !done; i++ {
		res, err := r.pass(fd)
		if _, terminal := stage.AsTerminal(err); terminal || err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
		done = res.Done
		st := fd.Status.Service
		for _, l := range listenersOf(t, r, st.LoadBalancerARN) {
			for _, tg := range servingGroups(l) {
				if r.healthyTargets(tg) == 0 {
					t.Fatalf("pass %d: the listener sends traffic to target group %s, which has no healthy target", i, tg)
				}
			}
		}
		rules := ingress(t, r, st.ServiceSecurityGroupID)
		if st.PreviousTargetGroupARN != "" && r.healthyTargets(st.PreviousTargetGroupARN) > 0 && !slices.Contains(rules, "tcp 5000 "+st.LoadBalancerSecurityGroupID) {
			t.Fatalf("pass %d: tasks' group %v no longer admits the old port while the old target group serves", i, rules)
		}
		sawBoth = sawBoth || slices.ContainsFunc(listenerSummaries(t, r, st.LoadBalancerARN), func(l string) bool {
			return l == "HTTP:80 forward "+st.PreviousTargetGroupARN+"=1,"+st.TargetGroupARN+"=0"
		})
		r.clock.Advance(30 * time.Second)
	}
	if !done || !sawBoth {
		t.Fatalf("done %t, listener seen forwarding to the old group with the new one attached: %t", done, sawBoth)
	}
	st := fd.Status.Service
	tg := describeTG(t, r, st.TargetGroupARN)
	if aws.ToInt32(tg.Port) != 8000 || aws.ToString(tg.TargetGroupName) != owner(fd).Name(cloud.ELBName, "tg8000") || st.PreviousTargetGroupARN != "" {
		t.Errorf("target group %s port %d, previous %q", aws.ToString(tg.TargetGroupName), aws.ToInt32(tg.Port), st.PreviousTargetGroupARN)
	}
	if _, err := r.clients.ELBv2(region).DescribeTargetGroups(bg, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{old}}); !cloud.IsNotFound(err) {
		t.Errorf("old target group %s: %v, want deleted", old, err)
	}
	if got := listenerSummaries(t, r, st.LoadBalancerARN); !slices.Equal(got, []string{"HTTP:80 forward " + st.TargetGroupARN}) {
		t.Errorf("listeners %q", got)
	}
	svc := r.service(fd)
	if len(svc.LoadBalancers) != 1 || aws.ToString(svc.LoadBalancers[0].TargetGroupArn) != st.TargetGroupARN || aws.ToInt32(svc.LoadBalancers[0].ContainerPort) != 8000 {
		t.Errorf("service load balancers %+v", svc.LoadBalancers)
	}
	if got := ingress(t, r, st.ServiceSecurityGroupID); !slices.Equal(got, []string{"tcp 8000 " + st.LoadBalancerSecurityGroupID}) {
		t.Errorf("tasks' group ingress %v", got)
	}
	if n := liveLB(r, fd)["elasticloadbalancing/targetgroup"]; n != 1 {
		t.Errorf("%d target groups live", n)
	}
	if d := ecsDrift(fd); d != nil {
		t.Errorf("a spec change reported as drift: %q", d)
	}
}
