package cloud

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// FindLogGroup describes the log group of exactly this name; nil when there is none.
// DescribeLogGroups matches by prefix, so the pages are searched for the exact name.
func FindLogGroup(ctx context.Context, c cloudwatchlogs.DescribeLogGroupsAPIClient, name string) (*logstypes.LogGroup, error) {
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
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

// LogGroupARN is the ARN the logs tagging calls take: without DescribeLogGroups' ":*".
func LogGroupARN(g *logstypes.LogGroup) string {
	if arn := aws.ToString(g.LogGroupArn); arn != "" {
		return arn
	}
	return strings.TrimSuffix(aws.ToString(g.Arn), ":*")
}

// LogGroupTagsAPI reads a log group's tags.
type LogGroupTagsAPI interface {
	ListTagsForResource(ctx context.Context, in *cloudwatchlogs.ListTagsForResourceInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error)
}

// LogGroupTags reads the tags of a log group found by FindLogGroup.
func LogGroupTags(ctx context.Context, c LogGroupTagsAPI, g *logstypes.LogGroup) (map[string]string, error) {
	out, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(LogGroupARN(g))})
	if err != nil {
		return nil, fmt.Errorf("list tags of log group %s: %w", aws.ToString(g.LogGroupName), err)
	}
	return out.Tags, nil
}
