-- Version 10: the centre's year (issue 17). Each part below keeps to its own section.

-- [duplicates] conclusions on cross-unit duplicates

-- [search] keys for looking up ID and phone numbers and their tails

-- [relations] 家庭成员 关系 as written in the book, beside the standard name
