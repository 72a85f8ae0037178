package cloud

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
)

// untagBatch is how many ARNs one UntagResources call takes at most.
const untagBatch = 20

// Release removes the uid tag from every resource of the owner's that carries one of its
// UIDs, and returns how many it released. A resource without a uid tag is owned by
// cluster and owner tags alone (Owns), so an object created again under the same
// namespace/name, with a new UID, adopts what a Retain deletion left behind instead of
// stalling on an OwnershipConflict. A resource carrying a UID that is not the owner's is
// left alone: it is not ours to give away.
func (o Owner) Release(ctx context.Context, api TaggingAPI) (int, error) {
	var arns []string
	p := tagging.NewGetResourcesPaginator(api, &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{
		{Key: aws.String(TagCluster), Values: []string{o.Cluster}},
		{Key: aws.String(TagOwner), Values: []string{o.Ref()}},
		{Key: aws.String(TagUID)},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("list resources tagged %s: %w", o.Ref(), err)
		}
		for _, m := range page.ResourceTagMappingList {
			tags := make(map[string]string, len(m.Tags))
			for _, t := range m.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if o.Owns(tags) {
				arns = append(arns, aws.ToString(m.ResourceARN))
			}
		}
	}
	for batch := range slices.Chunk(arns, untagBatch) {
		out, err := api.UntagResources(ctx, &tagging.UntagResourcesInput{ResourceARNList: batch, TagKeys: []string{TagUID}})
		if err != nil {
			return 0, fmt.Errorf("remove the %s tag of %s: %w", TagUID, o.Ref(), err)
		}
		if len(out.FailedResourcesMap) > 0 {
			var failed []string
			for arn, f := range out.FailedResourcesMap {
				failed = append(failed, fmt.Sprintf("%s (%s: %s)", arn, f.ErrorCode, aws.ToString(f.ErrorMessage)))
			}
			sort.Strings(failed)
			return 0, fmt.Errorf("remove the %s tag of %s: %s", TagUID, o.Ref(), strings.Join(failed, ", "))
		}
	}
	return len(arns), nil
}
