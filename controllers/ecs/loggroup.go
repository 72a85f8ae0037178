package ecs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceLogGroup = "log-group"

// defaultLogRetentionDays is the API default, for a spec the API server has not defaulted.
const defaultLogRetentionDays = 7

// logGroupName is the CloudWatch log group of fd's containers.
func logGroupName(p *pass) string {
	return "/flaskops/" + p.fd.Namespace + "/" + p.fd.Name
}

func (p *pass) logRetentionDays() int32 {
	if d := p.fd.Spec.Service.LogRetentionDays; d > 0 {
		return d
	}
	return defaultLogRetentionDays
}

// reconcileLogGroup finds (by name plus owner tag) or creates the log group and repairs its
// retention and tags.
func (p *pass) reconcileLogGroup(ctx context.Context) error {
	name := logGroupName(p)
	st := &p.fd.Status.Service
	group, err := p.findLogGroup(ctx, name)
	if err != nil {
		return err
	}
	if group == nil {
		if st.LogGroupName != "" {
			p.Drift(ctx, "log group %s was deleted; creating it again", name)
			st.LogGroupName = ""
		}
		if !p.MayWrite(true, "log group %s", name) {
			return nil
		}
		if group, err = p.createLogGroup(ctx, name); err != nil {
			return err
		}
	} else if err := p.checkLogGroupOwner(ctx, group); err != nil {
		return err
	}
	st.LogGroupName = name
	want := p.logRetentionDays()
	if have := aws.ToInt32(group.RetentionInDays); have != want &&
		p.MayWrite(false, "log group %s keeps logs %d days, spec says %d", name, have, want) {
		if _, err := p.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: aws.String(name), RetentionInDays: aws.Int32(want),
		}); err != nil {
			return fmt.Errorf("set retention of log group %s: %w", name, err)
		}
		if group.RetentionInDays != nil || p.Converged() {
			p.repair(ctx, "UpdatedLogGroup", "retention of log group %s was %d days; set to %d", name, have, want)
		}
	}
	return nil
}

// findLogGroup describes the log group of exactly this name; nil when it does not exist.
func (p *pass) findLogGroup(ctx context.Context, name string) (*logstypes.LogGroup, error) {
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(p.Logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe log group %s: %w", name, err)
		}
		for i := range out.LogGroups {
			if aws.ToString(out.LogGroups[i].LogGroupName) == name {
				return &out.LogGroups[i], nil
			}
		}
	}
	return nil, nil
}

// createLogGroup creates the log group, tagged; its retention is set by the caller (the
// API takes none at creation).
func (p *pass) createLogGroup(ctx context.Context, name string) (*logstypes.LogGroup, error) {
	_, err := p.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String(name), Tags: p.tags(resourceLogGroup),
	})
	if err != nil && !cloud.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create log group %s: %w", name, err)
	}
	fresh := err == nil
	group, err := p.findLogGroup(ctx, name)
	if err != nil {
		return nil, err
	}
	if group == nil {
		return nil, fmt.Errorf("describe log group %s after creating it: not found yet", name)
	}
	if !fresh {
		// Created since we looked: check it as found.
		return group, p.checkLogGroupOwner(ctx, group)
	}
	p.fd.Status.Service.LogGroupName = name
	p.Created(ctx, kindLogGroup, name)
	return group, stage.CheckpointCreated(ctx, "log group "+name)
}

// logGroupARN is the ARN the tagging operations take: without DescribeLogGroups' ":*".
func logGroupARN(g *logstypes.LogGroup) string {
	if arn := aws.ToString(g.LogGroupArn); arn != "" {
		return arn
	}
	return strings.TrimSuffix(aws.ToString(g.Arn), ":*")
}

// checkLogGroupOwner refuses a log group of our name that is not ours and repairs the tags
// of one that is.
func (p *pass) checkLogGroupOwner(ctx context.Context, g *logstypes.LogGroup) error {
	name, arn := aws.ToString(g.LogGroupName), logGroupARN(g)
	out, err := p.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("list tags of log group %s: %w", name, err)
	}
	have := out.Tags
	if !cloud.IsOwned(have, p.fd) && p.fd.Status.Service.LogGroupName != name {
		if p.Observing() {
			p.MayWrite(false, "log group %s does not carry this object's %s tag", name, cloud.TagOwner)
			return nil
		}
		return stage.Terminalf(ReasonOwnershipConflict,
			"log group %s already exists and is not owned by this FlaskDeployment (tag %s is %q, want %q); the operator never adopts a log group it did not create: delete that log group, or tag it %s=%s if it really belongs here",
			name, cloud.TagOwner, have[cloud.TagOwner], cloud.Owner(p.fd), cloud.TagOwner, cloud.Owner(p.fd))
	}
	if removed := cloud.RemovedTags(p.fd, have); len(removed) > 0 && p.MayWrite(false, "log group %s has tags %s no longer in spec.tags", name, removed) {
		if _, err := p.Logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: removed}); err != nil {
			return fmt.Errorf("remove tags %s from log group %s: %w", strings.Join(removed, ", "), name, err)
		}
	}
	if missing := cloud.MissingTags(p.tags(resourceLogGroup), have); len(missing) > 0 &&
		p.MayWrite(false, "log group %s tags differ from the spec", name) {
		if _, err := p.Logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: missing}); err != nil {
			return fmt.Errorf("tag log group %s: %w", name, err)
		}
		p.repair(ctx, "UpdatedTags", "tags %s of log group %s set", strings.Join(keys(missing), ", "), name)
	}
	return nil
}

// deleteLogGroup deletes the log group if it carries fd's owner tag.
func (p *pass) deleteLogGroup(ctx context.Context) (bool, error) {
	name := logGroupName(p)
	g, err := p.findLogGroup(ctx, name)
	if err != nil {
		return false, err
	}
	if g != nil {
		out, err := p.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(logGroupARN(g))})
		if err != nil && !cloud.IsNotFound(err) {
			return false, fmt.Errorf("list tags of log group %s: %w", name, err)
		}
		if err == nil && cloud.IsOwned(out.Tags, p.fd) {
			if _, err := p.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
				return false, fmt.Errorf("delete log group %s: %w", name, err)
			}
			p.Deleted(ctx, kindLogGroup, name)
		}
	}
	p.fd.Status.Service.LogGroupName = ""
	return true, nil
}
