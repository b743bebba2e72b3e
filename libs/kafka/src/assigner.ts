import { AssignerProtocol, type Assigner, type GroupMember, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';

/** The protocol name members announce; a group uses it only once every member offers it. */
export const SUBSCRIPTION_AWARE_ASSIGNER = 'AccordSubscriptionAware';

/**
 * Which member gets which partition, given each member's own subscription: every
 * partition of every topic that at least one member subscribes to goes to one of the
 * members subscribed to it, the least loaded so far (ties by member id), topics and
 * partitions taken in order. Pure, so it is tested without a broker.
 */
export function assignPartitions(
  subscriptions: ReadonlyArray<{ memberId: string; topics: readonly string[] }>,
  partitionsOf: (topic: string) => readonly number[],
): Map<string, Record<string, number[]>> {
  const members = [...subscriptions].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const assignment = new Map<string, Record<string, number[]>>(members.map(({ memberId }) => [memberId, {}]));
  const load = new Map<string, number>(members.map(({ memberId }) => [memberId, 0]));
  const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
  for (const topic of topics) {
    const eligible = members.filter((member) => member.topics.includes(topic));
    for (const partition of [...partitionsOf(topic)].sort((a, b) => a - b)) {
      let chosen = eligible[0]!;
      for (const member of eligible) if (load.get(member.memberId)! < load.get(chosen.memberId)!) chosen = member;
      load.set(chosen.memberId, load.get(chosen.memberId)! + 1);
      const mine = assignment.get(chosen.memberId)!;
      (mine[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

/**
 * A kafkajs partition assigner that reads every member's subscription from its metadata.
 *
 * kafkajs's RoundRobinAssigner hands out the partitions of the topics the group *leader*
 * subscribes to, across all members, whatever each member subscribes to (tulios/kafkajs
 * #1679). Members that find new topics at different moments (a pattern subscription
 * refreshed on a timer; a participant registered while several broker instances run)
 * then disagree: a member is given partitions of a topic it has not subscribed to yet and
 * drops them, and a topic only it knows is given to nobody. Those partitions stay
 * unconsumed until some later, unrelated rebalance (once 3 min 56 s, 4,440 events).
 *
 * Here each topic's partitions go only to members subscribed to it, and every topic any
 * member subscribes to is assigned: after every rebalance, each partition of each
 * subscribed topic has exactly one consumer that wants it.
 */
export const subscriptionAwareAssigner: PartitionAssigner = ({ cluster, logger }) => {
  const assigner: Assigner = {
    name: SUBSCRIPTION_AWARE_ASSIGNER,
    version: 0,
    async assign({ members }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
      const subscriptions = members.map(({ memberId, memberMetadata }) => ({
        memberId,
        topics: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? [],
      }));
      // The leader's metadata covers its own topics only: fetch it for every member's.
      const topics = [...new Set(subscriptions.flatMap((subscription) => subscription.topics))];
      // A failure here (a topic deleted meanwhile) leaves that topic without metadata, so unassigned; the rest goes on.
      if (topics.length > 0) await cluster.addMultipleTargetTopics(topics).catch((error: unknown) => logger.warn('could not load the metadata of every subscribed topic', { error: String(error) }));
      const assignment = assignPartitions(subscriptions, (topic) => cluster.findTopicPartitionMetadata(topic).map((partition) => partition.partitionId));
      logger.debug('assigned by subscription', { members: members.length, topics: topics.length });
      return [...assignment].map(([memberId, topicPartitions]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: assigner.version, assignment: topicPartitions, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }: { topics: string[] }) {
      return {
        name: assigner.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: assigner.version, topics, userData: Buffer.alloc(0) }),
      };
    },
  };
  return assigner;
};
