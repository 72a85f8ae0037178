package ecs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceTargetGroup          = "tg"
	healthCheckMatcher           = "200"
	deregistrationDelayAttribute = "deregistration_delay.timeout_seconds"
)

// targetGroupName is the deterministic name of the target group for the spec's
// container port: a target group's port cannot change, so a new port is a new group.
func (p *pass) targetGroupName() string {
	return p.name(cloud.ELBName, fmt.Sprintf("tg%d", p.fd.Spec.Service.ContainerPort))
}

// healthCheck is a target group's health check as the stage sets it.
type healthCheck struct {
	path, matcher                         string
	interval, timeout, healthy, unhealthy int32
}

func (h healthCheck) String() string {
	return fmt.Sprintf("%s expecting %s every %ds (timeout %ds, healthy after %d, unhealthy after %d)",
		h.path, h.matcher, h.interval, h.timeout, h.healthy, h.unhealthy)
}

// wantHealthCheck is the health check the spec asks for.
func (p *pass) wantHealthCheck() healthCheck {
	spec := p.fd.Spec.Service
	return healthCheck{path: spec.HealthCheckPath, matcher: healthCheckMatcher, interval: spec.HealthCheckIntervalSeconds,
		timeout: spec.HealthCheckTimeoutSeconds, healthy: spec.HealthyThresholdCount, unhealthy: spec.UnhealthyThresholdCount}
}

func healthCheckOf(tg *elbv2types.TargetGroup) healthCheck {
	h := healthCheck{path: aws.ToString(tg.HealthCheckPath), interval: aws.ToInt32(tg.HealthCheckIntervalSeconds),
		timeout: aws.ToInt32(tg.HealthCheckTimeoutSeconds), healthy: aws.ToInt32(tg.HealthyThresholdCount), unhealthy: aws.ToInt32(tg.UnhealthyThresholdCount)}
	if tg.Matcher != nil {
		h.matcher = aws.ToString(tg.Matcher.HttpCode)
	}
	return h
}

// reconcileTargetGroup finds or creates the IP target group the tasks register in (HTTP on
// the container port, in the network's VPC) and keeps its health check and deregistration
// delay as the spec says. It is kept while suspended. After a container port change the
// group of the old port becomes status.service.previousTargetGroupARN and a group for the
// new port is created: the listener and the service move to it once it serves
// (forwardTargets, loadBalancers) and retireTargetGroup deletes the old one.
func (p *pass) reconcileTargetGroup(ctx context.Context) error {
	st := &p.fd.Status.Service
	tg, err := p.lookupTargetGroup(ctx)
	if err != nil {
		return err
	}
	if port := p.fd.Spec.Service.ContainerPort; tg != nil && aws.ToInt32(tg.Port) != port && st.PreviousTargetGroupARN == "" {
		st.PreviousTargetGroupARN, st.TargetGroupARN = aws.ToString(tg.TargetGroupArn), ""
		p.Changed(ctx, "ReplacingTargetGroup", "Container port %d: target group %s (port %d) is replaced by one on port %d",
			port, st.PreviousTargetGroupARN, aws.ToInt32(tg.Port), port)
		if tg, err = p.lookupTargetGroup(ctx); err != nil {
			return err
		}
	}
	if st.TargetGroupARN != "" && (tg == nil || aws.ToString(tg.TargetGroupArn) != st.TargetGroupARN) {
		if tg == nil {
			p.Drift(ctx, "target group %s no longer exists; creating a new one", st.TargetGroupARN)
		}
		st.TargetGroupARN = ""
	}
	if tg == nil {
		name := p.targetGroupName()
		if !p.MayWrite(true, "target group %s", name) {
			return nil
		}
		return p.createTargetGroup(ctx, name)
	}
	arn := aws.ToString(tg.TargetGroupArn)
	st.TargetGroupARN = arn
	if vpc := p.fd.Status.Network.VPCID; aws.ToString(tg.VpcId) != vpc || tg.Protocol != elbv2types.ProtocolEnumHttp || tg.TargetType != elbv2types.TargetTypeEnumIp {
		return stage.Terminalf(v1alpha1.ReasonImmutableField,
			"target group %s is %s (%s targets) in VPC %s, the spec asks for HTTP (ip targets) in VPC %s: AWS cannot change that in place; delete the target group's service and listener",
			arn, tg.Protocol, tg.TargetType, aws.ToString(tg.VpcId), vpc)
	}
	if err := p.reconcileHealthCheck(ctx, tg); err != nil {
		return err
	}
	return p.reconcileDeregistrationDelay(ctx, arn, false)
}

// lookupTargetGroup finds fd's target group (by the ARN in status, then by the name for the
// spec's port) and repairs its tags; nil when there is none.
func (p *pass) lookupTargetGroup(ctx context.Context) (*elbv2types.TargetGroup, error) {
	tg, err := p.findTargetGroup(ctx)
	if err != nil || tg == nil {
		return nil, err
	}
	arn := aws.ToString(tg.TargetGroupArn)
	have, err := p.elbTagsOf(ctx, arn)
	if err != nil || have == nil { // nil: deleted since
		return nil, err
	}
	return tg, p.RepairTags(ctx, kindTargetGroup, arn, p.Tags(resourceTargetGroup), have, cloud.ELBTagger(p.ELB))
}

// forwardTargets are the target groups the forwarding listener sends traffic to, with
// their weights (nil: all). While a target group is being replaced, the old one keeps all
// the traffic and the new one is attached with weight 0 (ECS registers tasks only in a
// group behind a load balancer), until the new one has a healthy target for every task
// the service should run; from then on, and for good once the listener was switched,
// the new one takes it all.
func (p *pass) forwardTargets(ctx context.Context, listener *elbv2types.Listener) ([]elbv2types.TargetGroupTuple, error) {
	st := &p.fd.Status.Service
	if st.PreviousTargetGroupARN == "" || (listener != nil && forwardsOnlyTo(listener.DefaultActions, st.TargetGroupARN)) {
		return nil, nil
	}
	healthy, _, err := p.targetHealth(ctx)
	if err != nil || healthy >= p.desiredCount() {
		return nil, err
	}
	p.servingPrevious = true
	return []elbv2types.TargetGroupTuple{
		{TargetGroupArn: aws.String(st.PreviousTargetGroupARN), Weight: aws.Int32(1)},
		{TargetGroupArn: aws.String(st.TargetGroupARN), Weight: aws.Int32(0)},
	}, nil
}

// retireTargetGroup deletes the replaced target group once neither the listener nor the
// service uses it. One that AWS still counts as in use is a wait.
func (p *pass) retireTargetGroup(ctx context.Context) error {
	st := &p.fd.Status.Service
	prev := st.PreviousTargetGroupARN
	if prev == "" || p.servingPrevious || p.Observing() {
		return nil
	}
	if p.service != nil && slices.ContainsFunc(p.service.LoadBalancers, func(lb ecstypes.LoadBalancer) bool { return aws.ToString(lb.TargetGroupArn) == prev }) {
		return nil
	}
	done, err := p.deleteTargetGroupARN(ctx, prev)
	if done {
		st.PreviousTargetGroupARN = ""
	}
	return err
}

// reconcileHealthCheck puts the target group's health check back to the spec's.
func (p *pass) reconcileHealthCheck(ctx context.Context, tg *elbv2types.TargetGroup) error {
	arn, have, want := aws.ToString(tg.TargetGroupArn), healthCheckOf(tg), p.wantHealthCheck()
	if have == want || !p.MayWrite(false, "target group %s checks health at %s, not at %s", arn, have, want) {
		return nil
	}
	if _, err := p.ELB.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{
		TargetGroupArn:             aws.String(arn),
		HealthCheckPath:            aws.String(want.path),
		Matcher:                    &elbv2types.Matcher{HttpCode: aws.String(want.matcher)},
		HealthCheckIntervalSeconds: aws.Int32(want.interval),
		HealthCheckTimeoutSeconds:  aws.Int32(want.timeout),
		HealthyThresholdCount:      aws.Int32(want.healthy),
		UnhealthyThresholdCount:    aws.Int32(want.unhealthy),
	}); err != nil {
		return fmt.Errorf("set health check of target group %s: %w", arn, err)
	}
	p.repair(ctx, "UpdatedTargetGroup", "target group %s checked health at %s; set to %s", arn, have, want)
	return nil
}

// reconcileDeregistrationDelay sets the target group's deregistration delay to the
// spec's; on a group just created that is part of its set-up (CreateTargetGroup takes no
// attributes).
func (p *pass) reconcileDeregistrationDelay(ctx context.Context, arn string, created bool) error {
	delay := p.fd.Spec.Service.LoadBalancer.DeregistrationDelaySeconds
	if delay == nil {
		return nil
	}
	want := strconv.Itoa(int(*delay))
	have := ""
	if !created {
		out, err := p.ELB.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("describe attributes of target group %s: %w", arn, err)
		}
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == deregistrationDelayAttribute {
				have = aws.ToString(a.Value)
			}
		}
		if have == want || !p.MayWrite(false, "target group %s has deregistration delay %ss, not %ss", arn, have, want) {
			return nil
		}
	}
	if _, err := p.ELB.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn),
		Attributes:     []elbv2types.TargetGroupAttribute{{Key: aws.String(deregistrationDelayAttribute), Value: aws.String(want)}},
	}); err != nil {
		return fmt.Errorf("set deregistration delay %ss on target group %s: %w", want, arn, err)
	}
	if !created {
		p.repair(ctx, "UpdatedTargetGroup", "target group %s had deregistration delay %ss; set to %ss", arn, have, want)
	}
	return nil
}

// findTargetGroup finds fd's target group, as findELBv2 does.
func (p *pass) findTargetGroup(ctx context.Context) (*elbv2types.TargetGroup, error) {
	return findELBv2(p.fd.Status.Service.TargetGroupARN, p.targetGroupName(),
		func(arns, names []string) (*elbv2types.TargetGroup, error) {
			return p.describeTargetGroup(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: arns, Names: names}, strings.Join(append(arns, names...), ","))
		})
}

func (p *pass) describeTargetGroup(ctx context.Context, in *elbv2.DescribeTargetGroupsInput, what string) (*elbv2types.TargetGroup, error) {
	out, err := p.ELB.DescribeTargetGroups(ctx, in)
	if err != nil {
		if cloud.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe target group %s: %w", what, err)
	}
	if len(out.TargetGroups) == 0 {
		return nil, nil
	}
	return &out.TargetGroups[0], nil
}

func (p *pass) createTargetGroup(ctx context.Context, name string) error {
	st := &p.fd.Status.Service
	hc := p.wantHealthCheck()
	out, err := p.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name:                       aws.String(name),
		Protocol:                   elbv2types.ProtocolEnumHttp,
		Port:                       aws.Int32(p.fd.Spec.Service.ContainerPort),
		VpcId:                      aws.String(p.fd.Status.Network.VPCID),
		TargetType:                 elbv2types.TargetTypeEnumIp,
		HealthCheckProtocol:        elbv2types.ProtocolEnumHttp,
		HealthCheckPath:            aws.String(hc.path),
		Matcher:                    &elbv2types.Matcher{HttpCode: aws.String(hc.matcher)},
		HealthCheckIntervalSeconds: aws.Int32(hc.interval),
		HealthCheckTimeoutSeconds:  aws.Int32(hc.timeout),
		HealthyThresholdCount:      aws.Int32(hc.healthy),
		UnhealthyThresholdCount:    aws.Int32(hc.unhealthy),
		Tags:                       cloud.ToELB(p.Tags(resourceTargetGroup)),
	})
	if err != nil {
		return fmt.Errorf("create target group %s: %w", name, err)
	}
	if len(out.TargetGroups) == 0 {
		return fmt.Errorf("create target group %s: AWS answered without a target group", name)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	st.TargetGroupARN = arn
	p.Created(ctx, kindTargetGroup, arn)
	if err := stage.CheckpointCreated(ctx, "target group "+name); err != nil {
		return err
	}
	return p.reconcileDeregistrationDelay(ctx, arn, true)
}

// deleteTargetGroup deletes fd's target groups: the current one and one being replaced.
func (p *pass) deleteTargetGroup(ctx context.Context) (bool, error) {
	st := &p.fd.Status.Service
	tg, err := p.findTargetGroup(ctx)
	if err != nil {
		return false, err
	}
	arns := []string{st.PreviousTargetGroupARN}
	if tg != nil {
		arns = append(arns, aws.ToString(tg.TargetGroupArn))
	}
	for _, arn := range arns {
		if arn == "" {
			continue
		}
		if done, err := p.deleteTargetGroupARN(ctx, arn); err != nil || !done {
			return false, err
		}
	}
	st.TargetGroupARN, st.PreviousTargetGroupARN = "", ""
	return true, nil
}

// deleteTargetGroupARN deletes a target group if its tags prove it fd's (one that is not
// is left in place); false while a listener still forwards to it.
func (p *pass) deleteTargetGroupARN(ctx context.Context, arn string) (bool, error) {
	tags, err := p.elbTagsOf(ctx, arn)
	if err != nil || tags == nil || !p.Deletable(ctx, kindTargetGroup, arn, tags) {
		return err == nil, err
	}
	if _, err := p.ELB.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)}); err != nil {
		switch {
		case cloud.IsNotFound(err):
			return true, nil
		case cloud.IsDependencyViolation(err):
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "target group %s is still in use by a listener", arn)
			return false, nil
		}
		return false, fmt.Errorf("delete target group %s: %w", arn, err)
	}
	p.Deleted(ctx, kindTargetGroup, arn)
	return true, nil
}
