"""One settings object for the whole platform (environment prefix CHENGXIN_)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; safe defaults run out of the box on SQLite."""

    model_config = SettingsConfigDict(env_prefix="CHENGXIN_", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="数据目录")
    database_url: str | None = Field(
        None, description="数据库地址；缺省为数据目录下的 SQLite 文件"
    )
    # Secrets: base64 of 32 random bytes each. Unset means "read the key file in data_dir".
    encryption_key: str | None = Field(None, description="AES-GCM 加密密钥（base64）")
    hash_secret: str | None = Field(None, description="主体键 HMAC 密钥（base64）")
    key_file: Path | None = Field(None, description="密钥文件；缺省为 data_dir/keys.json")
    # Rotation with secrets in the environment (with a key file, `chengxin keys ...` manages these).
    encryption_key_id: int = Field(1, ge=1, le=255,
                                   description="CHENGXIN_ENCRYPTION_KEY 的密钥编号（写在每个密文的首字节）")
    old_encryption_keys: str | None = Field(None, description="仍用于解密的旧加密密钥：编号:base64，以逗号分隔")
    hash_version: int = Field(1, ge=1, description="CHENGXIN_HASH_SECRET 的版本号")
    previous_hash_secret: str | None = Field(None,
                                             description="主体键重算期间的上一版 HMAC 密钥（base64）；重算完成后删除")
    signing_key: str | None = Field(None, description="平台 Ed25519 签名私钥（32 字节种子的 base64）；缺省取密钥文件")

    host: str = "127.0.0.1"
    port: int = 8000

    max_batch_rows: int = Field(10_000, description="一次 JSON 报送的最大记录数")
    max_upload_bytes: int = Field(512 * 1024 * 1024, description="上传文件大小上限（字节）")
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024,
                                description="文件上传以外的请求体（JSON、表单）大小上限（字节）")
    max_issues_per_code: int = Field(1000, ge=1, description="一次报送的逐行报告中每个错误码保留的条数（全部计数）")
    import_lease_seconds: int = Field(600, ge=10, description="导入中的批次多久没有进展即视为中断（秒）；"
                                                              "同一台机器上进程已退出的立即视为中断")
    max_batch_check: int = Field(100_000, description="一次批量核查的最大号码数")
    jobs_interval_seconds: float = Field(60.0, description="serve 内置定时任务的间隔（秒）；0 为不运行")
    import_chunk_rows: int = Field(5_000, description="导入时每个事务处理的行数")
    rejected_rows_days: int = Field(30, ge=1, le=366, description="报送被拒收的行（含个人信息，加密保存）保留的天数，"
                                                                  "供下载改正后重新报送；到期删除")
    check_results_days: int = Field(30, ge=1, le=366, description="批量核查结果文件（加密保存）可供下载的天数；"
                                                                  "到期删除，核查记录与统计保留")
    sql_echo: bool = False
    # Processes and connections (issue 19 §1).
    workers: int = Field(1, ge=1, le=256, description="serve 启动的服务进程数（可用 --workers 覆盖）；"
                         "每个进程各有数据库连接池")
    serve_jobs: bool = Field(True, description="serve 的进程是否参加定时任务与交换任务执行者的选举；"
                             "由单独的 chengxin jobs serve 运行这些任务时设为 false")
    jobs_leader_seconds: float = Field(5.0, gt=0, le=300, description="未担任定时任务执行者的进程每隔多少秒"
                                       "尝试接任（执行者退出后最迟这么久由另一进程接任）")
    jobs_database_url: str | None = Field(None, description="定时任务执行者选举所用的数据库地址（PostgreSQL "
                                          "咨询锁须在直连的会话上）；经 pgbouncer 事务模式连接时须设为直连 "
                                          "PostgreSQL 的地址；缺省同 CHENGXIN_DATABASE_URL")
    sync_seconds: float = Field(1.0, gt=0, le=60, description="一个进程吊销凭证、停用账号或发布目录、措施清单"
                                "新版本后，其他服务进程最迟多少秒内生效（每个进程每隔这些秒读一次变更计数）")
    batch_processes: int | None = Field(None, ge=0, le=64, description="PostgreSQL 上批量核查分块核查所用的工作进程数"
                                        "（每个服务进程各有）；缺省为每核一个、最多 4 个，0 为不另开进程")
    db_pool_size: int = Field(10, ge=1, le=1000, description="每个进程的 PostgreSQL 连接池常驻连接数")
    db_max_overflow: int = Field(20, ge=0, le=1000, description="每个进程在常驻连接之外最多再开的 PostgreSQL "
                                 "连接数（进程数 ×（常驻 + 额外）须小于数据库的 max_connections）")
    db_pool_timeout: float = Field(30.0, gt=0, le=600, description="连接池用尽时等待空闲连接的秒数，超时即报错")
    db_pgbouncer: bool = Field(False, description="经 pgbouncer（事务模式）连接 PostgreSQL：关闭服务器端预备语句")
    authorisation_max_days: int = Field(365, ge=1, description="本人授权第三方查询的最长有效期（天）")
    credential_minutes: int = Field(60, ge=1, le=1440, description="信用凭证的有效期（分钟）：短时有效，出示时当场出具")

    # Abnormal use (异常使用告警). Hours are clock hours; nights are in Beijing time.
    alerts_volume_factor: float = Field(
        10.0, description="某账号一小时查询量超过其近期常态（活跃小时中位数）的多少倍时告警")
    alerts_volume_floor: int = Field(200, description="查询量告警的下限：一小时查询量不超过此数时不告警")
    alerts_baseline_days: int = Field(14, description="计算账号常态查询量所用的天数")
    alerts_distinct_no_ref: int = Field(100, description="一小时内无业务编号查询的不同人数上限")
    alerts_night_start_hour: int = Field(23, ge=0, le=23, description="夜间开始时刻（北京时间，时）")
    alerts_night_end_hour: int = Field(6, ge=0, le=23, description="夜间结束时刻（北京时间，时）")
    alerts_night_reads: int = Field(100, description="一个夜间内某账号查询次数上限")
    alerts_failed_logins_account: int = Field(5, description="一小时内同一账号登录失败达到此次数时告警")
    alerts_failed_logins_ip: int = Field(20, description="一小时内同一地址登录失败达到此次数时告警")
    alerts_lookback_hours: int = Field(3, ge=1, le=72, description="每次扫描回看的小时数（含当前小时）")

    # Accounts and sign-in (the security issue).
    token_days_default: int = Field(90, description="API 令牌缺省有效期（天）")
    token_days_max: int = Field(366, description="API 令牌最长有效期（天）")
    session_minutes: int = Field(30, description="本人登录会话有效期（分钟）")
    staff_session_minutes: int = Field(480, description="工作人员登录会话有效期（分钟）")
    lockout_failures: int = Field(5, description="连续登录失败多少次后锁定账号")
    lockout_minutes: int = Field(15, description="账号锁定时长（分钟）")
    auth_cache_seconds: float = Field(5.0, description="已验证令牌在进程内缓存的秒数（吊销、停用在本进程立即生效，"
                                      "在其他进程 sync_seconds 内生效）")
    login_rate_per_minute: int = Field(10, description="每个来源地址每分钟可尝试登录的次数")
    tipoff_rate_per_minute: int = Field(3, description="每个来源地址每分钟可提交或查询举报的次数")
    public_rate_per_minute: int = Field(600, description="每个来源地址每分钟可调用公开接口的次数")
    # Objections and credit repair (R4, R6): deadlines in working days over the statutory calendar.
    objection_working_days: int = Field(20, ge=1, le=120, description="异议处理时限（工作日）")
    repair_accept_working_days: int = Field(3, ge=1, le=60, description="信用修复申请受理时限（工作日）")
    repair_decide_working_days: int = Field(3, ge=1, le=60, description="信用修复受理后作出决定的时限（工作日）")
    # The listing procedure (R13): the period to state one's case after the prior notice is served.
    # The default is ours (国办发〔2020〕49号 asks for a period but sets none).
    listing_statement_working_days: int = Field(5, ge=1, le=60, description="列入严重失信主体名单前，"
                                                "告知送达后陈述、申辩的期限（工作日；缺省 5 日为本平台设定）")
    evidence_max_files: int = Field(5, ge=1, le=20, description="一次异议或修复申请最多可附的证明材料数")
    evidence_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="每个证明材料的大小上限（字节）")
    identity_provider: str = Field("demo", description="身份认证服务：demo（演示，验证码打印在服务器控制台）")
    population_registry: str = Field("demo", description="人口基础信息库（户籍核验）：demo（演示户籍库，"
                                     "姓名按号码推算，与演示数据一致）、none（不核验）或户籍核验网关的 https 地址")
    population_registry_timeout: float = Field(5.0, gt=0, le=60, description="等待户籍核验网关答复的秒数，"
                                               "超时即“未能核验”")
    # Behind a reverse proxy that terminates HTTPS the request looks like http: set this to true there.
    secure_cookies: bool | None = Field(None, description="Cookie 是否带 Secure 属性；缺省按请求是否为 https 决定")

    # Notices to persons (通知): an outbox delivered by the jobs through these channels.
    notice_channels: str = Field("inapp,file", description="通知缺省渠道，以逗号分隔：inapp（站内信）、sms（短信）、"
                                                         "email（电子邮件）、file（演示：写入数据目录下的文件）")
    notice_max_attempts: int = Field(10, ge=1, description="一条通知最多尝试投递的次数，之后标记为投递失败")
    notice_lease_seconds: int = Field(300, ge=1,
                                      description="投递任务领取一条通知后独占的秒数（超时未完成则可由其他任务重试）")
    sms_gateway_url: str | None = Field(None,
                                        description="短信网关地址（HTTP POST）；未设置时短信通知标记为“渠道未配置”")
    smtp_host: str | None = Field(None, description="发信服务器（SMTP）地址；未设置时邮件通知标记为“渠道未配置”")
    smtp_port: int = Field(25, ge=1, le=65535, description="发信服务器端口")
    smtp_from: str = Field("noreply@chengxin.invalid", description="通知邮件的发件人地址")
    upstream_url: str | None = Field(None,
                                     description="上级信用平台接收通报的地址（HTTP POST，平台签名）；未设置时不通报")

    # The portal's identity (《政府网站发展指引》: name, 主办单位, contact, privacy notice, 网站标识码,
    # ICP and 公安 备案 numbers). The defaults are demo values and every page says so while they stand.
    site_name: str = Field("信用示范市", description="网站名称（信用XX，如“信用杭州”）")
    site_host: str = Field("示范市发展和改革委员会（示范市社会信用体系建设领导小组办公室）",
                           description="主办单位")
    site_operator: str = Field("示范市公共信用信息中心", description="承办单位（运行维护）")
    site_phone: str = Field("0000-12345678", description="咨询电话")
    site_email: str = Field("xinyong@example.org", description="联系邮箱")
    site_address: str = Field("示范市人民路 1 号市民中心 A 座", description="办公地址（受理异议、修复的窗口）")
    site_hours: str = Field("工作日 9:00—12:00，13:30—17:30", description="窗口与电话的办公时间")
    site_code: str = Field("0000000000", description="网站标识码（政府网站标识码，10 位）")
    site_icp: str = Field("示ICP备00000000号", description="ICP 备案号")
    site_police: str = Field("示公网安备00000000000000号", description="公安机关备案号")
    site_privacy_updated: date = Field(date(2026, 11, 1), description="隐私声明的更新日期")

    # Credit reports (issue 16).
    public_url: str = Field("http://127.0.0.1:8000", description="平台对外访问地址（生产环境为本站的 HTTPS 地址）："
                            "印在报告二维码中，写入信用凭证的签发者、签名公钥与状态查询地址")
    report_certificate: Path | None = Field(None, description="报告签章证书（PEM，可含证书链）；缺省为 "
                                            "data_dir/report-signing/ 下自动生成的演示证书")
    report_private_key: Path | None = Field(None, description="报告签章证书的私钥（PEM，未加密）")
    report_trust_root: Path | None = Field(None, description="签章证书的根证书（PEM），在核验页公布供下载")
    report_font: Path | None = Field(None, description="报告所用中文字体文件（TrueType/OpenType）；缺省取 Debian 的 "
                                     "fonts-wqy-microhei 或 fonts-noto-cjk")
    report_per_person_day: int = Field(20, ge=0, description="每人每天可为本人出具的报告与证明份数（0 为不限）")
    report_per_organisation_day: int = Field(1000, ge=0, description="每个第三方机构每天可凭授权取得的报告份数")
    report_per_organisation_person_day: int = Field(3, ge=0,
                                                    description="每个第三方机构每天可就同一人取得的报告份数")

    # A county or city supplement to the base catalog (issue 18 §4): catalog/supplement.py.
    catalog_supplement: Path | None = Field(None, description="本地补充目录文件（YAML）：在基础目录之上新增领域、"
                                            "职业人群、部门和信息项，或收窄公开方式；缺省不补充")

    # Exchange between platforms (issue 17, GB/T 39443): this node and its neighbours.
    node_code: str = Field("990100", pattern=r"^\d{6}$",
                           description="本平台（交换节点）的行政区划代码（GB/T 2260，6 位）；演示值 990100")
    node_name: str = Field("示范市公共信用信息平台", description="本平台（交换节点）的名称")
    neighbours_file: Path | None = Field(None, description="相邻平台配置文件（YAML）：上级与下级平台、各自的公钥、"
                                         "交换方式与可发送的信息；缺省取 data_dir/neighbours.yaml（不存在时不交换）")
    exchange_interval_seconds: float = Field(2.0, ge=0, description="serve 内置交换任务（发送变更、读取收件目录）"
                                             "的间隔（秒）；0 为不运行")
    exchange_batch_changes: int = Field(2000, ge=1, le=100_000, description="一个交换批次最多包含的变更数")
    exchange_ack_hours: int = Field(24, ge=1, le=24 * 30, description="发出的变更多少小时未获确认即视为逾期，"
                                    "在信用办工作台提示")
    exchange_max_batch_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="接收的交换批次大小上限（字节）")

    # Retention (issue 18 §6, R6): negative information is deleted some years after the behaviour ended.
    retention_years: int = Field(5, ge=1, le=50, description="失信等负面信息自不良行为终止之日起保存的年数"
                                 "（R6 缺省 5 年），期满由定期任务删除")
    retention_purge_repaired: bool = Field(False, description="信用修复后即删除原失信信息、只留修复档案（兴山做法）；"
                                           "缺省关闭，按地方规定开启")
    retention_batch_size: int = Field(500, ge=1, le=100_000, description="到期删除时每个事务检查的事项数")

    # Read replicas (issue 19): PostgreSQL hot standbys that serve the reads that tolerate a little lag.
    replica_urls: str = Field("", description="只读备库（PostgreSQL 流复制热备）地址，以逗号分隔；"
                              "缺省为空（全部读写走主库）。公开页面与公开接口等可容忍少许延迟的读取分流到备库")
    replica_max_lag_seconds: float = Field(5.0, gt=0, le=3600, description="备库延迟上限（秒）：落后主库超过此数"
                                           "或无法连接的备库不再使用（读取改走主库），追上后自动恢复")
    replica_check_seconds: float = Field(1.0, gt=0, le=60, description="检查备库延迟的间隔（秒）")
    replica_pool_size: int = Field(5, ge=1, le=200, description="每个备库的连接池常驻连接数")
    replica_max_overflow: int = Field(10, ge=0, le=500, description="每个备库连接池在常驻连接之外可再开的连接数")

    @field_validator("population_registry")
    @classmethod
    def _known_registry(cls, value: str) -> str:
        """A wrong registry setting stops the platform at start, not at the office's first conflict."""
        from chengxin.errors import DomainError
        from chengxin.identity.registry import population_registry

        try:
            population_registry(value, 1.0)
        except DomainError as exc:
            raise ValueError(exc.message) from None
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chengxin.db').resolve()}"

    @property
    def resolved_neighbours_file(self) -> Path:
        return self.neighbours_file or self.data_dir / "neighbours.yaml"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"


@lru_cache
def get_settings() -> Settings:
    return Settings()
