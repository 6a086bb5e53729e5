"""The parts of 文件 → 导入旧台账… (aiddesk/ui/exchange/ledger_wizard.py): books, sheets, preview, result."""
