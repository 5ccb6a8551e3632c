//! How many partitions and replicas each topic is created with.
//!
//! One number for every topic (`4`), or per topic by its name without the deployment
//! prefix, with `*` for the rest (`orders=8,order-status=2,*=4`). The default is one of
//! each: a development broker. Events are keyed by their aggregate, so one order's
//! events stay in order within its partition whatever the count. Existing topics are
//! left as they are: Kafka only ever adds partitions, and moving keys between
//! partitions would reorder an aggregate's events, so that is an operator's decision.

use crate::topics::Topic;

/// Partitions and replication factor per topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLayout {
    partitions: PerTopic,
    replication: PerTopic,
}

impl Default for TopicLayout {
    fn default() -> Self {
        Self {
            partitions: PerTopic::all(1),
            replication: PerTopic::all(1),
        }
    }
}

impl TopicLayout {
    /// `partitions` and `replication` as `MART_TOPIC_PARTITIONS` and
    /// `MART_TOPIC_REPLICATION` spell them; the error says what is wrong.
    pub fn parse(partitions: &str, replication: &str) -> Result<Self, String> {
        Ok(Self {
            partitions: PerTopic::parse(partitions, 1_000)?,
            replication: PerTopic::parse(replication, 16)?,
        })
    }

    pub fn partitions(&self, topic: Topic) -> i32 {
        self.partitions.of(topic)
    }

    pub fn replication(&self, topic: Topic) -> i32 {
        self.replication.of(topic)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PerTopic {
    rest: i32,
    topics: Vec<(Topic, i32)>,
}

impl PerTopic {
    fn all(n: i32) -> Self {
        Self {
            rest: n,
            topics: vec![],
        }
    }

    fn of(&self, topic: Topic) -> i32 {
        self.topics
            .iter()
            .find(|(t, _)| *t == topic)
            .map_or(self.rest, |(_, n)| *n)
    }

    fn parse(spec: &str, max: i32) -> Result<Self, String> {
        let count = |text: &str| {
            text.trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("{text:?} is not a count from 1 to {max}"))
        };
        if !spec.contains('=') {
            return Ok(Self::all(count(spec)?));
        }
        let mut per = Self::all(1);
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, n) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not topic=count"))?;
            let n = count(n)?;
            match name.trim() {
                "*" => per.rest = n,
                name => {
                    let topic = Topic::ALL
                        .iter()
                        .copied()
                        .find(|t| t.as_str() == name)
                        .ok_or_else(|| format!("no topic is called {name:?}"))?;
                    per.topics.push((topic, n));
                }
            }
        }
        Ok(per)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_count_for_all_or_per_topic_with_a_rest() {
        let all = TopicLayout::parse("4", "1").unwrap();
        assert_eq!(all.partitions(Topic::Orders), 4);
        assert_eq!(all.replication(Topic::Orders), 1);
        let per = TopicLayout::parse("orders=8, order-status=2,*=3", "*=3").unwrap();
        assert_eq!(per.partitions(Topic::Orders), 8);
        assert_eq!(per.partitions(Topic::OrderStatus), 2);
        assert_eq!(per.partitions(Topic::Payments), 3);
        assert_eq!(per.replication(Topic::Shipping), 3);
        let unnamed_rest = TopicLayout::parse("orders=2", "1").unwrap();
        assert_eq!(unnamed_rest.partitions(Topic::Users), 1);
        assert_eq!(
            TopicLayout::parse("1", "1").unwrap(),
            TopicLayout::default()
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (partitions, replication) in [
            ("0", "1"),
            ("two", "1"),
            ("order=2", "1"),
            ("orders", "1"),
            ("orders=2,", "x"),
            ("1", "17"),
        ] {
            assert!(
                TopicLayout::parse(partitions, replication).is_err(),
                "{partitions} / {replication}"
            );
        }
    }
}
