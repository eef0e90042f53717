use super::sns::Topic;
use crate::model::resources::{Alarm, Dimension, Properties};
use crate::model::{Expr, Id, Resource, Template};

/// Five minutes, the shortest period of a standard-resolution alarm's price.
const PERIOD_SECONDS: i64 = 300;

/// Alarms that fire on the first occurrence in a five-minute period, notify `topic` when they
/// fire and when they clear, and exist only under the topic's condition. A period without
/// data (an idle stage publishes no Lambda or API metric) counts as fine.
pub struct Alarms<'a> {
    topic: &'a Topic,
}

impl<'a> Alarms<'a> {
    pub fn new(topic: &'a Topic) -> Self {
        Alarms { topic }
    }

    /// A dead-letter queue holds at least one message.
    pub fn dead_letters(&self, t: &mut Template, id: &str, queue: &Id, what: &str) -> Id {
        self.alarm(
            t,
            id,
            format!("{what}: a dead-letter queue holds failed events; read and redrive them"),
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"),
            vec![("QueueName", queue.att("QueueName"))],
        )
    }

    /// One alarm on the function's `Errors`, one on its `Throttles`.
    pub fn function(&self, t: &mut Template, stem: &str, function: &Id) -> [Id; 2] {
        ["Errors", "Throttles"].map(|metric| {
            self.alarm(
                t,
                &format!("{stem}{metric}Alarm"),
                format!("{stem}: the function reported {metric} (Lambda metric)"),
                ("AWS/Lambda", metric, "Sum"),
                vec![("FunctionName", function.r())],
            )
        })
    }

    /// The HTTP API answered 5xx (integration failures, throttled or failed functions).
    pub fn api_5xx(&self, t: &mut Template, id: &str, api: &Id) -> Id {
        self.alarm(
            t,
            id,
            "The HTTP API answered with a 5xx status".to_owned(),
            ("AWS/ApiGateway", "5xx", "Sum"),
            vec![("ApiId", api.r())],
        )
    }

    /// An alarm on a metric of the stack's own namespace (embedded metric format).
    pub fn custom(
        &self,
        t: &mut Template,
        id: &str,
        description: &str,
        metric: (&str, &str, &str),
        dimensions: Vec<(&str, Expr)>,
    ) -> Id {
        self.alarm(t, id, description.to_owned(), metric, dimensions)
    }

    fn alarm(
        &self,
        t: &mut Template,
        id: &str,
        description: String,
        (namespace, metric, statistic): (&str, &str, &str),
        dimensions: Vec<(&str, Expr)>,
    ) -> Id {
        let alarm = Alarm {
            alarm_description: description,
            namespace: namespace.to_owned(),
            metric_name: metric.to_owned(),
            dimensions: (dimensions.into_iter())
                .map(|(name, value)| Dimension {
                    name: name.to_owned(),
                    value,
                })
                .collect(),
            statistic: statistic.to_owned(),
            period: PERIOD_SECONDS,
            evaluation_periods: 1,
            threshold: 1,
            comparison_operator: "GreaterThanOrEqualToThreshold".to_owned(),
            treat_missing_data: "notBreaching".to_owned(),
            alarm_actions: vec![self.topic.arn()],
            ok_actions: vec![self.topic.arn()],
        };
        let resource =
            Resource::new(Properties::Alarm(Box::new(alarm))).condition(self.topic.condition());
        t.add(id, resource)
    }
}
