package ecs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// targetGroupName is the target group's deterministic name.
func (p *pass) targetGroupName() string { return p.name(cloud.ELBName, "tg") }

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
// the container port, in the network's VPC) and keeps its health check as the spec says.
// It is kept while suspended.
func (p *pass) reconcileTargetGroup(ctx context.Context) error {
	st := &p.fd.Status.Service
	name := p.targetGroupName()
	tg, err := p.findTargetGroup(ctx)
	if err != nil {
		return err
	}
	if tg != nil {
		have, err := p.elbTagsOf(ctx, aws.ToString(tg.TargetGroupArn))
		switch {
		case err != nil:
			return err
		case have == nil: // deleted since
			tg = nil
		default:
			if err := p.RepairTags(ctx, kindTargetGroup, aws.ToString(tg.TargetGroupArn), p.Tags(resourceTargetGroup), have, cloud.ELBTagger(p.ELB)); err != nil {
				return err
			}
		}
	}
	if st.TargetGroupARN != "" && (tg == nil || aws.ToString(tg.TargetGroupArn) != st.TargetGroupARN) {
		if tg == nil {
			p.Drift(ctx, "target group %s no longer exists; creating a new one", st.TargetGroupARN)
		}
		st.TargetGroupARN = ""
	}
	if tg == nil {
		if !p.MayWrite(true, "target group %s", name) {
			return nil
		}
		return p.createTargetGroup(ctx, name)
	}
	arn := aws.ToString(tg.TargetGroupArn)
	st.TargetGroupARN = arn
	port, vpc := p.fd.Spec.Service.ContainerPort, p.fd.Status.Network.VPCID
	if aws.ToInt32(tg.Port) != port || aws.ToString(tg.VpcId) != vpc || tg.Protocol != elbv2types.ProtocolEnumHttp || tg.TargetType != elbv2types.TargetTypeEnumIp {
		return stage.Terminalf(v1alpha1.ReasonImmutableField,
			"target group %s is %s:%d (%s targets) in VPC %s, the spec asks for HTTP:%d (ip targets) in VPC %s: AWS cannot change that in place; delete the target group's service and listener, or set containerPort back",
			arn, tg.Protocol, aws.ToInt32(tg.Port), tg.TargetType, aws.ToString(tg.VpcId), port, vpc)
	}
	if err := p.reconcileHealthCheck(ctx, tg); err != nil {
		return err
	}
	return p.reconcileDeregistrationDelay(ctx, arn, false)
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

// deleteTargetGroup deletes fd's target group. A listener still forwarding to it
// (ResourceInUse) is a wait. One that is not fd's is left in place.
func (p *pass) deleteTargetGroup(ctx context.Context) (bool, error) {
	st := &p.fd.Status.Service
	tg, err := p.findTargetGroup(ctx)
	if err != nil {
		return false, err
	}
	if tg != nil {
		arn := aws.ToString(tg.TargetGroupArn)
		tags, err := p.elbTagsOf(ctx, arn)
		if err != nil {
			return false, err
		}
		if tags != nil && p.Deletable(ctx, kindTargetGroup, arn, tags) {
			if _, err := p.ELB.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)}); err != nil {
				switch {
				case cloud.IsNotFound(err):
				case cloud.IsDependencyViolation(err):
					p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "target group %s is still in use by a listener", arn)
					return false, nil
				default:
					return false, fmt.Errorf("delete target group %s: %w", arn, err)
				}
			} else {
				p.Deleted(ctx, kindTargetGroup, arn)
			}
		}
	}
	st.TargetGroupARN = ""
	return true, nil
}
