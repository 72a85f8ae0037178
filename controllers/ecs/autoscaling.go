package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceScalableTarget = "scalable-target"
	// scalingPolicyName is the target tracking policy on the service's average CPU.
	scalingPolicyName = "flaskops-cpu"
)

// scalableResourceID is how Application Auto Scaling names fd's service.
func (p *pass) scalableResourceID() string {
	return "service/" + p.clusterName() + "/" + p.serviceName()
}

// reconcileAutoscaling registers the service as a scalable target with a CPU target
// tracking policy when spec.service.autoscaling is set, and deregisters it when it is not
// (or while suspended: the service stays at zero). While autoscaling is off a light pass
// does not look: turning it off or suspending changes the spec, so the pass that removes
// the target is full (one whose removal is unfinished is not steady, so the next is full
// too); only a target of ours registered again since waits for the hourly full check.
func (p *pass) reconcileAutoscaling(ctx context.Context) error {
	as := p.fd.Spec.Service.Autoscaling
	if !p.autoscaled() {
		if p.Light() {
			return nil
		}
		_, err := p.removeScalableTarget(ctx, true)
		return err
	}
	if p.fd.Status.Service.ServiceARN == "" {
		return nil // the service step is waiting
	}
	id := p.scalableResourceID()
	target, err := p.findScalableTarget(ctx)
	if err != nil {
		return err
	}
	if target != nil && p.ReadsTags() {
		arn := aws.ToString(target.ScalableTargetARN)
		have, err := p.scalableTargetTags(ctx, arn)
		if err != nil {
			return err
		}
		if err := p.RepairTags(ctx, kindScalableTarget, arn, p.Tags(resourceScalableTarget), have, p.scalableTargetTagger()); err != nil {
			return err
		}
	}
	if target == nil || aws.ToInt32(target.MinCapacity) != as.MinCount || aws.ToInt32(target.MaxCapacity) != as.MaxCount {
		what := fmt.Sprintf("scalable target %s with %d..%d tasks", id, as.MinCount, as.MaxCount)
		if !p.MayWrite(target == nil, "%s", what) {
			return nil
		}
		if _, err := p.AutoScaling.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
			ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
			ResourceId: aws.String(id), MinCapacity: aws.Int32(as.MinCount), MaxCapacity: aws.Int32(as.MaxCount),
			Tags: p.Tags(resourceScalableTarget),
		}); err != nil {
			return fmt.Errorf("register scalable target %s: %w", id, err)
		}
		if target == nil {
			p.Created(ctx, kindScalableTarget, id)
		} else {
			p.repair(ctx, "UpdatedScalableTarget", "scalable target %s had %d..%d tasks; set to %d..%d",
				id, aws.ToInt32(target.MinCapacity), aws.ToInt32(target.MaxCapacity), as.MinCount, as.MaxCount)
		}
	}
	if p.Light() {
		return nil // the policy is left to full passes: a light pass reads the target only
	}
	return p.reconcileScalingPolicy(ctx, id)
}

func (p *pass) findScalableTarget(ctx context.Context) (*aastypes.ScalableTarget, error) {
	id := p.scalableResourceID()
	out, err := p.AutoScaling.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceIds: []string{id},
	})
	if err != nil {
		return nil, fmt.Errorf("describe scalable target %s: %w", id, err)
	}
	for i := range out.ScalableTargets {
		if aws.ToString(out.ScalableTargets[i].ResourceId) == id {
			return &out.ScalableTargets[i], nil
		}
	}
	return nil, nil
}

// scalableTargetTags reads a scalable target's tags.
func (p *pass) scalableTargetTags(ctx context.Context, arn string) (map[string]string, error) {
	out, err := p.AutoScaling.ListTagsForResource(ctx, &applicationautoscaling.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("list tags of scalable target %s: %w", arn, err)
	}
	return out.Tags, nil
}

// scalableTargetTagger tags scalable targets by ARN.
func (p *pass) scalableTargetTagger() cloud.Tagger {
	return cloud.TaggerFuncs{
		Add: func(ctx context.Context, arn string, tags map[string]string) error {
			_, err := p.AutoScaling.TagResource(ctx, &applicationautoscaling.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags})
			return err
		},
		Remove: func(ctx context.Context, arn string, keys []string) error {
			_, err := p.AutoScaling.UntagResource(ctx, &applicationautoscaling.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: keys})
			return err
		},
	}
}

// reconcileScalingPolicy puts the CPU target tracking policy when it is missing or differs.
func (p *pass) reconcileScalingPolicy(ctx context.Context, id string) error {
	target := float64(p.fd.Spec.Service.Autoscaling.TargetCPUPercent)
	out, err := p.AutoScaling.DescribeScalingPolicies(ctx, &applicationautoscaling.DescribeScalingPoliciesInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id), PolicyNames: []string{scalingPolicyName},
	})
	if err != nil {
		return fmt.Errorf("describe scaling policy %s of %s: %w", scalingPolicyName, id, err)
	}
	var have *aastypes.ScalingPolicy
	if len(out.ScalingPolicies) > 0 {
		have = &out.ScalingPolicies[0]
	}
	if have != nil && have.PolicyType == aastypes.PolicyTypeTargetTrackingScaling {
		if c := have.TargetTrackingScalingPolicyConfiguration; c != nil && aws.ToFloat64(c.TargetValue) == target &&
			c.PredefinedMetricSpecification != nil &&
			c.PredefinedMetricSpecification.PredefinedMetricType == aastypes.MetricTypeECSServiceAverageCPUUtilization {
			return nil
		}
	}
	if !p.MayWrite(have == nil, "scaling policy %s of %s at %.0f%% CPU", scalingPolicyName, id, target) {
		return nil
	}
	if _, err := p.AutoScaling.PutScalingPolicy(ctx, &applicationautoscaling.PutScalingPolicyInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id), PolicyName: aws.String(scalingPolicyName), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{
			TargetValue: aws.Float64(target),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{
				PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization,
			},
		},
	}); err != nil {
		return fmt.Errorf("put scaling policy %s on %s: %w", scalingPolicyName, id, err)
	}
	if have != nil {
		p.repair(ctx, "UpdatedScalingPolicy", "scaling policy %s of %s set to %.0f%% CPU", scalingPolicyName, id, target)
	}
	return nil
}

// removeScalableTarget deregisters the scalable target (its policies go with it) if its
// tags prove it fd's; one that is not is left in place.
func (p *pass) removeScalableTarget(ctx context.Context, reconciling bool) (bool, error) {
	target, err := p.findScalableTarget(ctx)
	if err != nil || target == nil {
		return err == nil, err
	}
	id, arn := p.scalableResourceID(), aws.ToString(target.ScalableTargetARN)
	tags, err := p.scalableTargetTags(ctx, arn)
	if cloud.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if reconciling {
		if !p.Owner().Owns(tags) || !p.MayWrite(false, "scalable target %s exists but spec.service.autoscaling is unset", id) {
			return true, nil
		}
	} else if !p.Deletable(ctx, kindScalableTarget, arn, tags) {
		return true, nil
	}
	if _, err := p.AutoScaling.DeregisterScalableTarget(ctx, &applicationautoscaling.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id),
	}); err != nil && !cloud.IsNotFound(err) {
		return false, fmt.Errorf("deregister scalable target %s: %w", id, err)
	}
	p.Deleted(ctx, kindScalableTarget, id)
	return true, nil
}

// deleteAutoscaling deregisters the scalable target first: it outlives the service on AWS.
func (p *pass) deleteAutoscaling(ctx context.Context) (bool, error) {
	return p.removeScalableTarget(ctx, false)
}
