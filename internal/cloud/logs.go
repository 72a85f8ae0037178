package cloud

import (
	"context"
	"fmt"

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
