//! How an export shows stored values to a person: codes as words in the reader's language
//! (`labels.rs`), units by name, people by the name they are known by (a user's display
//! name, else the name on their volunteer record, else their login name).

use std::collections::HashMap;

use sqlx::Row;

use crate::export::Cell;
use crate::labels::{self, Code};
use crate::store::Store;

/// How a column's stored value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// As stored.
    As,
    /// An org path, as the names of its units below the exported one.
    Unit,
    Tags,
    Review,
    Entry,
    Gender,
    Relation,
    Employment,
    /// 1 or 0 as 是 / 否.
    YesNo,
    Purpose,
    Needs,
    /// A login name, as the person's name.
    Person,
    Activity,
}

/// What an export needs to show values to a person.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub english: bool,
    /// The exported unit's path.
    scope: String,
    /// Org path → unit name.
    orgs: HashMap<String, String>,
    /// Login → name.
    people: HashMap<String, String>,
}

impl Words {
    /// The names of units and people for an export of `scope`.
    pub async fn load(store: &Store, scope: &str, english: bool) -> Result<Self, sqlx::Error> {
        let pool = store.pool();
        let (under, past) = crate::indicators::scope_bounds(scope);
        let volunteers = format!(
            "SELECT user_name, name FROM p_volunteers WHERE {}",
            crate::indicators::in_scope("org")
        );
        let (orgs, volunteers, users) = tokio::try_join!(
            store.orgs(),
            sqlx::query(&volunteers)
                .bind(scope)
                .bind(&under)
                .bind(&past)
                .fetch_all(pool),
            sqlx::query("SELECT name, display_name FROM users WHERE display_name IS NOT NULL")
                .fetch_all(pool),
        )?;
        let mut people = HashMap::new();
        for (rows, login, name) in [
            (&volunteers, "user_name", "name"),
            (&users, "name", "display_name"),
        ] {
            for r in rows {
                let name: String = r.try_get(name)?;
                if !name.trim().is_empty() {
                    people.insert(r.try_get(login)?, name);
                }
            }
        }
        Ok(Words {
            english,
            scope: scope.to_owned(),
            orgs: orgs.into_iter().collect(),
            people,
        })
    }

    /// A unit's name (its path when it has none).
    pub fn unit_name<'a>(&'a self, path: &'a str) -> &'a str {
        self.orgs.get(path).map_or(path, String::as_str)
    }

    /// An org path as a person reads it: the names of the units from the one below the
    /// exported unit down to it (`幸福社区 · 第一网格`), or the exported unit's own name.
    pub fn unit(&self, path: &str) -> String {
        let below = path
            .strip_prefix(self.scope.as_str())
            .and_then(|rest| rest.strip_prefix('/'));
        let Some(rest) = below else {
            return self.unit_name(path).to_owned();
        };
        let mut prefix = self.scope.clone();
        rest.split('/')
            .map(|segment| {
                prefix = format!("{prefix}/{segment}");
                self.orgs
                    .get(&prefix)
                    .cloned()
                    .unwrap_or_else(|| segment.to_owned())
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// A person's name (the login name when none is known).
    pub fn person<'a>(&'a self, login: &'a str) -> &'a str {
        self.people.get(login).map_or(login, String::as_str)
    }

    /// A stored cell as the column shows it.
    pub fn show(&self, show: Show, cell: Cell) -> Cell {
        let english = self.english;
        let word = |code: Code, s: &str| labels::word(code, s, english).into_owned();
        match (show, cell) {
            (Show::YesNo, Cell::Int(i)) => Cell::Text(labels::yes_no(i != 0, english).into()),
            (_, Cell::Text(s)) => Cell::Text(match show {
                Show::As | Show::YesNo => s,
                Show::Unit => self.unit(&s),
                Show::Person => self.person(&s).to_owned(),
                Show::Tags => labels::words(Code::Tag, &s, english),
                Show::Needs => labels::words(Code::Need, &s, english),
                Show::Review => word(Code::Review, &s),
                Show::Entry => word(Code::Entry, &s),
                Show::Gender => word(Code::Gender, &s),
                Show::Relation => word(Code::Relation, &s),
                Show::Employment => word(Code::Employment, &s),
                Show::Purpose => word(Code::Purpose, &s),
                Show::Activity => word(Code::Activity, &s),
            }),
            (_, other) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words {
        Words {
            english: false,
            scope: "c01/s01".into(),
            orgs: [
                ("c01/s01", "城关街道"),
                ("c01/s01/m01", "幸福社区"),
                ("c01/s01/m01/g01", "第一网格"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect(),
            people: HashMap::from([("w1".to_owned(), "王芳".to_owned())]),
        }
    }

    #[test]
    fn units_people_and_codes() {
        let w = words();
        assert_eq!(w.unit("c01/s01/m01/g01"), "幸福社区 · 第一网格");
        assert_eq!(w.unit("c01/s01"), "城关街道");
        assert_eq!(w.unit("c01/s01/m02"), "m02");
        assert_eq!(w.person("w1"), "王芳");
        assert_eq!(w.person("w2"), "w2");
        let show = |s: Show, c: &str| w.show(s, Cell::Text(c.into()));
        assert_eq!(
            show(Show::Tags, "dibao,living_alone"),
            Cell::Text("低保、独居老人".into())
        );
        assert_eq!(show(Show::Review, "approved"), Cell::Text("已通过".into()));
        assert_eq!(w.show(Show::YesNo, Cell::Int(1)), Cell::Text("是".into()));
        assert_eq!(w.show(Show::Review, Cell::Empty), Cell::Empty);
    }
}
