"""Vietnamese names of the contract's enum values, for every table, message, report and page users read."""

from __future__ import annotations

from common.schema import Sentiment, Source, Topic

TOPIC_VI: dict[str, str] = {
    Topic.pension: "lương hưu",
    Topic.one_time_withdrawal: "rút BHXH một lần",
    Topic.health_insurance: "BHYT",
    Topic.unemployment: "BH thất nghiệp",
    Topic.contribution_evasion: "nợ/trốn đóng BHXH",
    Topic.vssid_app: "VssID, dịch vụ công",
    Topic.scam_impersonation: "lừa đảo mạo danh",
    Topic.law_policy: "luật, chính sách",
    Topic.maternity_sickness: "thai sản, ốm đau",
    Topic.service_quality: "chất lượng phục vụ",
    Topic.other: "khác",
}
SENTIMENT_VI: dict[str, str] = {Sentiment.negative: "tiêu cực", Sentiment.neutral: "trung lập",
                                Sentiment.positive: "tích cực"}
SOURCE_VI: dict[str, str] = {Source.facebook: "Facebook", Source.zalo: "Zalo", Source.news: "Báo chí"}


def topic_vi(value: str) -> str:
    return TOPIC_VI.get(value, value)


def sentiment_vi(value: str) -> str:
    return SENTIMENT_VI.get(value, value)


def source_vi(value: str) -> str:
    return SOURCE_VI.get(value, value)
