# Setu: English interface text. Every id here must also exist in ne.ftl (a test checks).

app-name = Setu
app-tagline = Together against human trafficking
skip-to-content = Skip to content

nav-home = Home
nav-places = Places
nav-organisations = Organisations
nav-sites = Sites
nav-menu = Menu

pref-language = Language
pref-digits = Digits
pref-digits-deva = Nepali digits
pref-digits-latn = Latin digits
pref-ad-show = Show AD dates
pref-ad-hide = Hide AD dates

home-title = Setu
home-intro = Setu links municipal anti-trafficking committees, border booths, police, NGOs, youth ambassadors and parents' groups in one safe, shared system.
home-today = Today
home-fiscal-year = Fiscal year { $fy }
home-geography = Nepal's geography
home-geography-body = All of Nepal's provinces, districts, local levels and wards, in Nepali and English.
home-directory = Directory
home-directory-body = The organisations that work against trafficking, and the sites where records are made.
home-browse = Browse places
counts-provinces = Provinces
counts-districts = Districts
counts-local-levels = Local levels
counts-wards = Wards
counts-organisations = Organisations
counts-sites = Sites

places-title = Places
places-search-label = Find a place by name (English or Nepali)
places-search-placeholder = e.g. Nepalgunj or नेपालगञ्ज
places-search-button = Search
places-search-title = Places matching “{ $query }”
places-no-results = No place matches that name.
place-code = Code
place-name = Name
place-type = Type
place-wards = Wards
place-parent = Part of
place-children-province = Provinces
place-children-district = Districts
place-children-local-level = Local levels
place-children-ward = Wards
place-here = Here
level-country = Country
level-province = Province
level-district = District
level-local-level = Local level
level-ward = Ward
ward-name = Ward { $number }
ll-type-metropolitan = Metropolitan city
ll-type-sub-metropolitan = Sub-metropolitan city
ll-type-municipality = Municipality
ll-type-rural-municipality = Rural municipality

table-filter-label = Filter this table
table-count = { $count } rows
table-sort-hint = Select a column heading to sort.

org-title = Organisations
org-new = Add an organisation
org-edit = Edit organisation
org-kind-municipality = Municipality
org-kind-police-unit = Police unit
org-kind-ssb-post = SSB post (India)
org-kind-ngo = NGO
org-kind-committee = Coordination committee

site-title = Sites
site-new = Add a site
site-edit = Edit site
site-kind-border-booth = Border booth
site-kind-police-post = Police post
site-kind-shelter = Shelter
site-kind-ward-office = Ward office

field-name-en = Name in English
field-name-ne = Name in Nepali
field-name-ne-hint = Optional. Pages in Nepali show the English name when this is empty.
field-kind = Kind
field-place = Place code
field-place-hint = A local level (5 digits, e.g. 51106) or a ward (7 digits, e.g. 5110619). Find codes under Places.
field-organisation = Run by
field-organisation-none = (none)
filter-all = All
filter-kind = Kind
filter-place = Place code
filter-apply = Show
updated = Updated
version = Version
organisation = Organisation
none-yet = None yet.
here-organisations = Organisations here
here-sites = Sites here
edit = Edit

form-save = Save
form-cancel = Cancel
form-saved = Saved.
form-errors-summary = Please correct the fields marked below. Nothing was saved yet.
form-conflict = Someone else changed this record after you opened it, so your changes were not saved. Your text is kept below; compare it with the current record, then save again.
form-conflict-current = Open the current record
error-required = Please fill this in.
error-too-long = This is too long.
error-control-chars = This contains characters that cannot be stored.
error-choose-one = Please choose one of the options.
error-place-code = This is not a place code. Use a local level (5 digits) or ward (7 digits) code.
error-unknown-place = No place has this code.
error-unknown-organisation = That organisation does not exist.

error-404-title = Page not found
error-404-body = There is no page at this address. It may have moved, or the link may be mistyped.
error-400-title = Request not understood
error-400-body = Something in the address or form could not be read.
error-500-title = Something went wrong
error-500-body = Setu could not finish this request. Nothing you saved before is lost. Please try again; if it keeps happening, tell your administrator the time it happened.
error-503-title = Temporarily unavailable
error-503-body = Setu cannot reach its database right now. Please try again in a minute.
error-back-home = Back to the home page

footer-about = Setu is free software for community-based prevention of human trafficking in Nepal.
footer-geography-source = Geography: nepali-address (MIT), with corrections.
