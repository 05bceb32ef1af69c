"""The groups context's GraphQL enums shared by more than one capability: the convention
model's vocabulary (a clause binds dogs by size class and governs incident kinds, creating
duty kinds), which the dogs register and the incidents use too. Declared once, here."""

from __future__ import annotations

from services.api.kit.vocabulary import labelled_enum
from services.groups.model import DutyKind, IncidentKind, SizeClass

SizeClassType = labelled_enum(SizeClass, "DogSizeClass", "犬只体型 / A dog's size class")
IncidentKindType = labelled_enum(
    IncidentKind, "IncidentKind", "事件类型（犬只伤人、犬吠扰民等）/ What kind of incident"
)
DutyKindType = labelled_enum(
    DutyKind, "DutyKind", "公约条款使成员承担的义务 / What a convention's clause makes one owe"
)
