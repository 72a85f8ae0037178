package integration_test

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// expectBlockedBy waits until the object's deletion is DeletionBlocked with a message
// naming every one of says, and a Warning event saying todo.
func expectBlockedBy(o *testenv.Object, todo string, says ...string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := o.Condition(v1alpha1.ConditionDeletionBlocked)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(c.Reason).To(Equal(v1alpha1.ReasonDeletionBlocked), c.Message)
		for _, s := range says {
			g.Expect(c.Message).To(ContainSubstring(s))
		}
		var warnings []string
		for _, ev := range o.Events() {
			if ev.Type == corev1.EventTypeWarning && ev.Reason == v1alpha1.ReasonDeletionBlocked {
				warnings = append(warnings, ev.Note)
			}
		}
		g.Expect(warnings).To(ContainElement(And(ContainSubstring(todo), ContainSubstring("deletion resumes by itself"))))
	}).Should(Succeed())
	Expect(o.Get().Finalizers).To(ContainElement(controllers.Finalizer))
}

var _ = Describe("A deletion blocked by what someone else put in the object's network", func() {
	It("names each holder and what to do about it, and finishes once they are gone", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, SimOptions: []awssim.Option{awssim.WithTimeScale(0)}})
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)
		st := app.Get().Status
		ours := st.Service.ServiceSecurityGroupID
		subnet := st.Network.PrivateSubnets[0].ID
		ec2c := env.Clients.EC2(testenv.Region)

		// Team b's database admits our tasks, and team b's debug box sits in our subnet.
		sg, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("team-b-db"),
			Description: aws.String("team b database"), VpcId: aws.String(st.Network.VPCID)})
		Expect(err).NotTo(HaveOccurred())
		theirs := aws.ToString(sg.GroupId)
		_, err = ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(theirs),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(ours)}}}}})
		Expect(err).NotTo(HaveOccurred())
		eni, err := ec2c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet),
			Description: aws.String("debug box of team b")})
		Expect(err).NotTo(HaveOccurred())
		eniID := aws.ToString(eni.NetworkInterface.NetworkInterfaceId)

		Expect(env.Client.Delete(ctx, app.Get())).To(Succeed())
		By("the security group referencing the tasks' group holds the service's deletion")
		expectBlockedBy(app, "remove the rules of security group "+theirs+" that reference "+ours,
			"security group "+ours+" is held by security group "+theirs, `"team-b-db"`, "owner "+awssim.Account, "did not create")
		_, err = ec2c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(theirs)})
		Expect(err).NotTo(HaveOccurred())

		By("the network interface in the private subnet holds the network's deletion")
		expectBlockedBy(app, "detach and delete network interface "+eniID,
			"subnet "+subnet+" is held by network interface "+eniID, "interface", `"debug box of team b"`, "owner "+awssim.Account, "did not create")
		_, err = ec2c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eniID)})
		Expect(err).NotTo(HaveOccurred())

		expectGone(env, app)
		Expect(env.Sim.ListLive()).To(BeEmpty())
	})

	It("names a VPC peering connection someone else made with the VPC, leaves it be, and finishes once its owner deletes it", func() {
		env := startEnv(testenv.Options{Stages: controllers.Stages, SimOptions: []awssim.Option{awssim.WithTimeScale(0)}})
		app := newApp(env, namespace(env), "app")
		app.Create()
		expectReady(app)
		vpc := app.Get().Status.Network.VPCID
		ec2c := env.Clients.EC2(testenv.Region)

		// Team b links its VPC to ours; deleting our VPC would delete their link with it.
		out, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
		Expect(err).NotTo(HaveOccurred())
		theirs := aws.ToString(out.Vpc.VpcId)
		pc, err := ec2c.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: aws.String(theirs), PeerVpcId: aws.String(vpc),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcPeeringConnection,
				Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("team-b-link")}}}}})
		Expect(err).NotTo(HaveOccurred())
		pcx := aws.ToString(pc.VpcPeeringConnection.VpcPeeringConnectionId)
		_, err = ec2c.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
		Expect(err).NotTo(HaveOccurred())

		Expect(env.Client.Delete(ctx, app.Get())).To(Succeed())
		By("the active peering connection holds the network's deletion")
		expectBlockedBy(app, "delete VPC peering connection "+pcx,
			"VPC "+vpc+" is held by VPC peering connection "+pcx, "active", "peer VPC "+theirs+" of account "+awssim.Account,
			`Name "team-b-link"`, "did not create")
		described, err := ec2c.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{pcx}})
		Expect(err).NotTo(HaveOccurred())
		Expect(described.VpcPeeringConnections[0].Status.Code).To(Equal(ec2types.VpcPeeringConnectionStateReasonCodeActive))

		By("team b deletes its peering connection")
		_, err = ec2c.DeleteVpcPeeringConnection(ctx, &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
		Expect(err).NotTo(HaveOccurred())
		expectGone(env, app)
		_, err = ec2c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(theirs)})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Sim.ListLive()).To(BeEmpty())
	})
})
