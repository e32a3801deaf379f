//! The volunteer's side on the command line with the server (issue #20): their approved hours
//! and star level, certificates of service, activities to join and check-in with the codes
//! scanned there. Words in Chinese first, then English, as the web app says them
//! (clients/web/src/words_certificates.ts, words_activities.ts). The logic is the library's
//! (`volunteer_online.rs`); this prints it.

use std::path::Path;

use linli_field::{
    checks, is_unreachable, Activity, Certificate, CheckInOutcome, Credited, DeviceStanding,
    FieldClient, FieldError, PendingCheckIn, SendReport, Standing,
};
use linli_sync_core::calendar::{self, DEFAULT_TIME_ZONE};
use linli_sync_core::contract::recognition::STAR_HOURS;
use serde_json::{json, Value};

use crate::cli::{CertificateCommand, VolunteerCommand};
use crate::output::{to_json, Output};

/// The `volunteer` commands that talk to the server (the others are `main.rs`'s, offline).
pub fn is_online(cmd: &VolunteerCommand) -> bool {
    !matches!(
        cmd,
        VolunteerCommand::Create { .. }
            | VolunteerCommand::Log { .. }
            | VolunteerCommand::Edit { .. }
    )
}

/// The online commands that write nothing to the store (a check-in keeps codes in it).
pub fn reads_only(cmd: &VolunteerCommand) -> bool {
    is_online(cmd) && !matches!(cmd, VolunteerCommand::CheckIn { .. })
}

pub async fn run(
    client: &mut FieldClient,
    server: Option<&str>,
    token: Option<&str>,
    cmd: &VolunteerCommand,
) -> Result<Output, FieldError> {
    let user = client.session().await?.map(|s| s.user);
    let mut remote = client.remote(server, token).await?;
    let remote = &mut remote;
    Ok(match cmd {
        VolunteerCommand::Totals { year } => {
            let year = match year {
                Some(y) => y.trim().to_owned(),
                None => checks::today_in(DEFAULT_TIME_ZONE)[..4].to_owned(),
            };
            linli_field::check_year(&year)?;
            match client.my_standing(remote, &year).await {
                Ok(s) => server_totals(&s, &year),
                Err(e) if is_unreachable(&e) => {
                    let local = client.device_standing(user.as_deref(), &year);
                    device_totals(&local, &year, &e.to_string())
                }
                Err(e) => return Err(e),
            }
        }
        VolunteerCommand::Certificates => {
            let list = client
                .certificates(remote)
                .await
                .map_err(|e| needs_server(e, "certificates"))?;
            Output::new(to_json(&list), certificates_text(&list))
        }
        VolunteerCommand::Certificate(CertificateCommand::Ask { purpose, from, to }) => {
            let asked = client
                .ask_certificate(remote, from.as_deref(), to.as_deref(), purpose)
                .await
                .map_err(|e| needs_server(e, "certificate ask"))?;
            let text = format!(
                "已提交证明申请 {id}（{period}），社区出具后可在 `volunteer certificates` 中查看。\n\
                 Asked for certificate {id} ({period_en}); it shows in `volunteer certificates` \
                 once your community has issued it.",
                id = asked.id,
                period = period_zh(&asked),
                period_en = period_en(&asked),
            );
            Output::new(to_json(&asked), text)
        }
        VolunteerCommand::Certificate(CertificateCommand::Pdf { id, out }) => {
            let pdf = client
                .certificate_pdf(remote, id)
                .await
                .map_err(|e| needs_server(e, "certificate pdf"))?;
            write_file(out, &pdf)?;
            Output::new(
                json!({ "id": id.trim(), "file": out, "bytes": pdf.len() }),
                format!(
                    "已保存证明 {id} 到 {file}（{n} 字节）：打印后请社区负责人签字并加盖公章。\n\
                     Saved certificate {id} to {file} ({n} bytes): print it; the issuer signs \
                     and seals it.",
                    id = id.trim(),
                    file = out.display(),
                    n = pdf.len()
                ),
            )
        }
        VolunteerCommand::Activities => {
            let list = client
                .activities(remote)
                .await
                .map_err(|e| needs_server(e, "activities"))?;
            let kept = client
                .pending_check_ins(user.as_deref().unwrap_or_default())
                .await?;
            activities_output(&list, &kept)
        }
        VolunteerCommand::Enrol { activity } => {
            let a = client
                .enrol(remote, activity)
                .await
                .map_err(|e| needs_server(e, "enrol"))?;
            let text = format!(
                "已报名：{title}（{when}，{place}）\nEnrolled: {title} ({when}, {place}).",
                title = a.title,
                when = when(&a),
                place = a.place
            );
            Output::new(to_json(&a), text)
        }
        VolunteerCommand::Withdraw { activity } => {
            let a = client
                .withdraw(remote, activity)
                .await
                .map_err(|e| needs_server(e, "withdraw"))?;
            let text = format!("已取消报名：{title}\nWithdrawn: {title}.", title = a.title);
            Output::new(to_json(&a), text)
        }
        VolunteerCommand::CheckIn { send: true, .. } => {
            let report = client
                .send_check_ins(remote, user.as_deref().unwrap_or_default())
                .await?;
            send_output(&report)
        }
        VolunteerCommand::CheckIn {
            activity,
            check_in,
            check_out,
            send: false,
        } => {
            let activity = activity.as_deref().unwrap_or_default();
            if check_in.is_none() && check_out.is_none() {
                return Err(FieldError::Invalid(
                    "give the codes you scanned: --in CODE, --out CODE, or both (or --send)".into(),
                ));
            }
            // Only a pair is handed in; a check-in alone needs no server.
            let remote = check_out.is_some().then_some(remote);
            let outcome = client
                .check_in(
                    remote,
                    user.as_deref().unwrap_or_default(),
                    activity,
                    check_in.as_deref(),
                    check_out.as_deref(),
                )
                .await?;
            check_in_output(&outcome)
        }
        VolunteerCommand::Create { .. }
        | VolunteerCommand::Log { .. }
        | VolunteerCommand::Edit { .. } => unreachable!("offline commands are main.rs's"),
    })
}

/// An error of a command that needs the server, saying so plainly when it was not reached.
fn needs_server(e: FieldError, what: &str) -> FieldError {
    if is_unreachable(&e) {
        FieldError::Connection(format!(
            "{e}; `volunteer {what}` needs the server (离线：需要联网)"
        ))
    } else {
        e
    }
}

/// Writes `bytes` to `path` whole: into a file beside it, then renamed over it, so that a
/// failure never leaves half a PDF under the name asked for.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FieldError> {
    let name = path
        .file_name()
        .ok_or_else(|| FieldError::Invalid(format!("--out: `{}` is no file", path.display())))?;
    let mut part = name.to_owned();
    part.push(".part");
    let tmp = path.with_file_name(part);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

/// Hours as people write them: `104`, `0.75`, `2.5`.
pub fn hours(h: f64) -> String {
    let rounded = (h * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

const LEVEL_ZH: [&str; 5] = ["一星级", "二星级", "三星级", "四星级", "五星级"];
const LEVEL_EN: [&str; 5] = [
    "one-star",
    "two-star",
    "three-star",
    "four-star",
    "five-star",
];

/// A star level in words: `★★ 二星级志愿者 (two-star)`, or `尚未评星 (no star yet)`.
pub fn star_level(stars: u8) -> String {
    match usize::from(stars.min(5)) {
        0 => "尚未评星 (no star yet)".into(),
        n => format!(
            "{} {}志愿者 ({})",
            "★".repeat(n),
            LEVEL_ZH[n - 1],
            LEVEL_EN[n - 1]
        ),
    }
}

/// How far the next star level is, from `approved` hours: the hours left and where it begins.
fn next_star_text(stars: u8, approved: f64, next: Option<i64>) -> String {
    match next {
        Some(at) => {
            let level = usize::from(stars.min(4));
            let left = hours((at as f64 - approved).max(0.0));
            format!(
                "再服务 {left} 小时可达{zh}（累计 {at} 小时）\n  {left} more hours to {en} ({at} hours in all)",
                zh = LEVEL_ZH[level],
                en = LEVEL_EN[level]
            )
        }
        None => "已达到最高的五星级\n  You have reached the highest level, five stars".into(),
    }
}

fn hours_to_next(approved: f64, next: Option<i64>) -> Option<f64> {
    next.map(|at| ((at as f64 - approved).max(0.0) * 100.0).round() / 100.0)
}

fn rule_text() -> String {
    let at: Vec<String> = STAR_HOURS.iter().map(i64::to_string).collect();
    format!(
        "按《志愿服务记录办法》，认定时长累计 {} 小时分别为一至五星级；只计已认定的时长。\n\
         Stars begin at {} approved hours; only approved hours count.",
        at.join("、"),
        at.join(", ")
    )
}

fn server_totals(s: &Standing, year: &str) -> Output {
    let mut lines = Vec::new();
    let who = match &s.volunteer_number {
        Some(n) => format!("{}（志愿者编号 {n} volunteer number）", s.name),
        None => s.name.clone(),
    };
    if !who.is_empty() {
        lines.push(who);
    }
    lines.push(format!(
        "累计认定时长 Approved hours in all: {} 小时 (h)",
        hours(s.approved_hours)
    ));
    lines.push(format!(
        "{year}年认定 Approved in {year}: {} 小时 (h)",
        hours(s.year_hours)
    ));
    lines.push(format!("星级 Star level: {}", star_level(s.stars)));
    lines.push(next_star_text(s.stars, s.approved_hours, s.next_star_hours));
    lines.push(rule_text());
    Output::new(
        json!({
            "source": "server",
            "year": year,
            "name": s.name,
            "volunteer_number": s.volunteer_number,
            "document_id": s.document_id,
            "org": s.org,
            "approved_hours": s.approved_hours,
            "year_hours": s.year_hours,
            "stars": s.stars,
            "star_level": star_level(s.stars),
            "next_star_hours": s.next_star_hours,
            "hours_to_next_star": hours_to_next(s.approved_hours, s.next_star_hours),
        }),
        lines.join("\n"),
    )
}

fn device_totals(d: &DeviceStanding, year: &str, why: &str) -> Output {
    let approved = d.approved_minutes as f64 / 60.0;
    let in_year = d.year_minutes as f64 / 60.0;
    let waiting = d.waiting_minutes as f64 / 60.0;
    let mut lines = vec![format!(
        "离线：连不上服务器，以下是本机上志愿者记录中的数字（不一定是最新的）。\n\
         Offline: the server cannot be reached ({why}).\n\
         From the volunteer documents on this device (they may not be up to date):"
    )];
    if d.documents.is_empty() {
        lines.push(
            "本机没有您的志愿者记录（联网后 `linli-field pull` 可取回）。\n\
             No volunteer document of yours is on this device (`linli-field pull` fetches it \
             once online)."
                .into(),
        );
    }
    lines.push(format!(
        "本机 累计认定时长 Approved hours in all (on this device): {} 小时 (h)",
        hours(approved)
    ));
    lines.push(format!(
        "本机 {year}年认定 Approved in {year} (on this device): {} 小时 (h)",
        hours(in_year)
    ));
    lines.push(format!(
        "本机 星级 Star level (on this device): {}",
        star_level(d.stars)
    ));
    lines.push(next_star_text(d.stars, approved, d.next_star_hours));
    if d.waiting_minutes > 0 {
        lines.push(format!(
            "另有 {h} 小时待审核，审核通过后才计入。\n  Also {h} hours logged and not approved yet; \
             they count once approved.",
            h = hours(waiting)
        ));
    }
    Output::new(
        json!({
            "source": "device",
            "offline": why,
            "year": year,
            "documents": d.documents,
            "approved_hours": approved,
            "year_hours": in_year,
            "waiting_hours": waiting,
            "stars": d.stars,
            "star_level": star_level(d.stars),
            "next_star_hours": d.next_star_hours,
            "hours_to_next_star": hours_to_next(approved, d.next_star_hours),
        }),
        lines.join("\n"),
    )
}

fn period_zh(c: &Certificate) -> String {
    match (&c.period_from, &c.period_to) {
        (Some(f), Some(t)) => format!("{f} 至 {t}"),
        (Some(f), None) => format!("{f} 起"),
        (None, Some(t)) => format!("至 {t}"),
        (None, None) => "全部服务".into(),
    }
}

fn period_en(c: &Certificate) -> String {
    match (&c.period_from, &c.period_to) {
        (Some(f), Some(t)) => format!("{f} to {t}"),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("until {t}"),
        (None, None) => "all service".into(),
    }
}

fn certificate_status(status: &str) -> String {
    match status {
        "requested" => "待出具 waiting".into(),
        "issued" => "已出具 issued".into(),
        other => other.to_owned(),
    }
}

fn certificates_text(list: &[Certificate]) -> String {
    if list.is_empty() {
        return "还没有申请过证明（`volunteer certificate ask --purpose …`）。\n\
                You have not asked for a certificate yet (`volunteer certificate ask --purpose …`)."
            .into();
    }
    let mut lines = vec![format!(
        "我的申请和证明 My requests and certificates: {}",
        list.len()
    )];
    for c in list {
        let hours_text = match c.total_hours() {
            Some(h) => format!("{} 小时 (h)", hours(h)),
            None => "-".into(),
        };
        lines.push(format!(
            "{id}  {status}  {number}  {period} ({period_en})  {hours_text}  用途 for: {purpose}",
            id = c.id,
            status = certificate_status(&c.status),
            number = c.number.as_deref().unwrap_or("-"),
            period = period_zh(c),
            period_en = period_en(c),
            purpose = if c.purpose.is_empty() {
                "-"
            } else {
                &c.purpose
            },
        ));
    }
    lines.join("\n")
}

/// A moment of the server's (RFC 3339) as the local time of the default time zone, split into
/// day, `HH:MM` and offset; `None` when it does not read as a moment.
fn local(moment: &str) -> Option<(String, String, String)> {
    calendar::timestamp_ms(moment)?;
    let m = calendar::local_moment(moment, DEFAULT_TIME_ZONE);
    if m.len() < 25 || !m.is_char_boundary(19) {
        return None;
    }
    Some((m[..10].to_owned(), m[11..16].to_owned(), m[19..].to_owned()))
}

/// A minute since the epoch as local `HH:MM`.
fn minute_time(minute: i64) -> String {
    local(&calendar::iso_from_ms(minute * 60_000))
        .map(|(_, t, _)| t)
        .unwrap_or_else(|| minute.to_string())
}

/// When an activity is: `2026-11-20 09:00–11:00 (+08:00)`.
fn when(a: &Activity) -> String {
    match (local(&a.starts_at), local(&a.ends_at)) {
        (Some((d1, t1, z)), Some((d2, t2, _))) => {
            let end = if d1 == d2 { t2 } else { format!("{d2} {t2}") };
            format!("{d1} {t1}–{end} ({z})")
        }
        _ => format!("{} – {}", a.starts_at, a.ends_at),
    }
}

fn state(a: &Activity, now_ms: i64) -> &'static str {
    let ends = calendar::timestamp_ms(&a.ends_at).unwrap_or(i64::MAX);
    let starts = calendar::timestamp_ms(&a.starts_at).unwrap_or(i64::MAX);
    if a.cancelled {
        "  [已取消 cancelled]"
    } else if ends <= now_ms {
        "  [已结束 ended]"
    } else if starts <= now_ms {
        "  [进行中 under way]"
    } else {
        ""
    }
}

fn places(a: &Activity) -> String {
    if a.capacity > 0 {
        format!(
            "已报名 {n}/{cap} ({n} of {cap} enrolled){full}",
            n = a.enrolled,
            cap = a.capacity,
            full = if a.enrolled >= a.capacity {
                "，名额已满 full"
            } else {
                ""
            }
        )
    } else {
        format!(
            "已报名 {n} 人，不限人数 ({n} enrolled, no limit)",
            n = a.enrolled
        )
    }
}

fn mine(a: &Activity) -> String {
    let Some(me) = &a.me else {
        return "-".into();
    };
    match &me.attendance {
        Some(t) if t.status.as_deref() == Some("approved") => format!(
            "已签到，{m} 分钟已确认 (checked in: {m} min confirmed)",
            m = t.minutes
        ),
        Some(t) => format!(
            "已签到，已记入 {m} 分钟，待组织者确认 (checked in: {m} min credited, waiting for the \
             organiser to confirm)",
            m = t.minutes
        ),
        None if me.enrolled => "已报名，未签到 (enrolled, not checked in)".into(),
        None => "未报名 (not enrolled)".into(),
    }
}

fn kept_text(p: &PendingCheckIn) -> String {
    if let Some(why) = &p.refused {
        return format!("签到码被拒绝 refused: {why}（请重新扫码 scan again）");
    }
    match (p.in_minute, p.out_minute) {
        (Some(i), None) => format!(
            "已签到 {t}，待签退 (checked in at {t}; hand in the check-out code with --out)",
            t = minute_time(i)
        ),
        (Some(i), Some(o)) => format!(
            "已签到 {}、签退 {}，待发送 (both scanned, not handed in: `volunteer check-in --send`)",
            minute_time(i),
            minute_time(o)
        ),
        _ => "-".into(),
    }
}

fn activities_output(list: &[Activity], kept: &[PendingCheckIn]) -> Output {
    let now = now_ms();
    let mut lines = Vec::new();
    if list.is_empty() {
        lines.push("目前没有可报名的活动。\nNo activity is open to join now.".to_owned());
    }
    let mut rows = Vec::new();
    for a in list {
        let on_device = kept.iter().find(|p| p.activity == a.id);
        lines.push(format!("{}  {}{}", a.id, a.title, state(a, now)));
        lines.push(format!("  时间 When: {}", when(a)));
        lines.push(format!("  地点 Where: {}", a.place));
        lines.push(format!("  名额 Places: {}", places(a)));
        lines.push(format!("  我 Me: {}", mine(a)));
        if let Some(p) = on_device {
            lines.push(format!("  本机 On this device: {}", kept_text(p)));
        }
        let mut row = to_json(a);
        row["on_device"] = on_device.map(to_json).unwrap_or(Value::Null);
        rows.push(row);
    }
    // Scans kept for activities the list no longer shows (ended more than a week ago).
    for p in kept
        .iter()
        .filter(|p| !list.iter().any(|a| a.id == p.activity))
    {
        lines.push(format!(
            "{}  本机 On this device: {}",
            p.activity,
            kept_text(p)
        ));
    }
    Output::new(Value::Array(rows), lines.join("\n"))
}

fn credited_text(activity: &str, c: &Credited) -> String {
    let again = if c.already {
        "之前已交过这两个码。The codes were handed in before.\n"
    } else {
        ""
    };
    format!(
        "{again}已记入 {m} 分钟（{h} 小时，{date}），待组织者确认。\n\
         {m} minutes ({h} hours, {date}) credited for activity {activity}; the organiser will \
         confirm them.",
        m = c.minutes,
        h = hours(c.minutes as f64 / 60.0),
        date = c.date
    )
}

fn check_in_output(outcome: &CheckInOutcome) -> Output {
    let json = to_json(outcome);
    match outcome {
        CheckInOutcome::Credited { activity, credited } => {
            Output::new(json, credited_text(activity, credited))
        }
        CheckInOutcome::AwaitingCheckOut { pending } => {
            let at = pending.in_minute.map(minute_time).unwrap_or_default();
            Output::new(
                json,
                format!(
                    "已签到 {at}，签到码保存在本机（不需要联网）。离开时交签退码：\n\
                     Checked in at {at}; the code is kept on this device (no network needed). \
                     When you leave, hand in the check-out code:\n  \
                     linli-field volunteer check-in --activity {a} --out CODE",
                    a = pending.activity
                ),
            )
        }
        CheckInOutcome::Kept { pending, reason } => Output {
            json,
            text: format!(
                "没有连接到服务器，签到码和签退码已保存在本机，联网后发送：\n\
                 The server cannot be reached ({reason}); both codes of activity {a} are kept on \
                 this device. Send them once online:\n  linli-field volunteer check-in --send",
                a = pending.activity
            ),
            complete: false,
        },
    }
}

fn send_output(report: &SendReport) -> Output {
    let mut lines = Vec::new();
    for s in &report.credited {
        if let Some(c) = &s.credited {
            lines.push(format!("{}: {}", s.activity, credited_text(&s.activity, c)));
        }
    }
    for s in &report.refused {
        lines.push(format!(
            "{}: 签到码被拒绝 refused: {}",
            s.activity,
            s.error.as_deref().unwrap_or_default()
        ));
    }
    if let Some(why) = &report.unreachable {
        lines.push(format!(
            "没有连接到服务器，其余签到码仍保存在本机。\nThe server cannot be reached ({why}); \
             the other codes stay on this device."
        ));
    }
    let waiting = report
        .waiting
        .iter()
        .filter(|p| p.refused.is_none())
        .count();
    if waiting > 0 {
        lines.push(format!(
            "本机还有 {waiting} 个签到待签退或待发送。\n{waiting} check-in(s) on this device wait for \
             a check-out or to be sent."
        ));
    }
    if lines.is_empty() {
        lines.push("本机没有待发送的签到。\nNo check-in is waiting on this device.".into());
    }
    Output {
        json: to_json(report),
        text: lines.join("\n"),
        complete: report.unreachable.is_none(),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_levels_in_words() {
        assert_eq!(star_level(0), "尚未评星 (no star yet)");
        assert_eq!(star_level(2), "★★ 二星级志愿者 (two-star)");
        assert_eq!(star_level(5), "★★★★★ 五星级志愿者 (five-star)");
        assert!(next_star_text(1, 104.0, Some(300)).starts_with("再服务 196 小时可达二星级"));
        assert!(next_star_text(0, 0.75, Some(100)).contains("99.25 more hours to one-star"));
        assert!(next_star_text(5, 1600.0, None).contains("highest level"));
        assert_eq!(hours_to_next(104.0, Some(300)), Some(196.0));
    }

    #[test]
    fn hours_as_people_write_them() {
        assert_eq!(hours(104.0), "104");
        assert_eq!(hours(0.75), "0.75");
        assert_eq!(hours(2.5), "2.5");
        assert_eq!(hours(1.0 / 3.0), "0.33");
        assert_eq!(hours(0.0), "0");
    }

    #[test]
    fn an_activity_is_shown_in_local_time() {
        let a = Activity {
            starts_at: "2026-11-20T01:00:00Z".into(),
            ends_at: "2026-11-20T03:30:00Z".into(),
            capacity: 10,
            enrolled: 3,
            ..Activity::default()
        };
        assert_eq!(when(&a), "2026-11-20 09:00–11:30 (+08:00)");
        assert_eq!(places(&a), "已报名 3/10 (3 of 10 enrolled)");
        let late = Activity {
            ends_at: "2026-11-20T17:00:00Z".into(),
            ..a.clone()
        };
        assert_eq!(when(&late), "2026-11-20 09:00–2026-11-21 01:00 (+08:00)");
    }
}
